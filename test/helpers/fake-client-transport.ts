/**
 * A scripted wire and hand-driven timers for unit tests of the client library: no sockets, no
 * real time. The test plays the server: it reads what the client sent and feeds it lines.
 */
import { RoomwireClient, type RoomwireClientOptions } from '../../src/client/roomwire-client.js';
import type {
  DatagramChannel,
  LineTransport,
  Timers,
  TransportListener,
} from '../../src/client/transport.js';

/** A UDP channel that records datagrams and lets the test answer. */
export class FakeDatagrams implements DatagramChannel {
  readonly sent: string[] = [];
  #onDatagram: ((text: string) => void) | undefined;
  closed = false;

  open(onDatagram: (text: string) => void): Promise<void> {
    this.#onDatagram = onDatagram;
    return Promise.resolve();
  }

  send(text: string): void {
    this.sent.push(text);
  }

  close(): void {
    this.closed = true;
  }

  /** Delivers a datagram from the server. */
  receive(text: string): void {
    this.#onDatagram?.(text);
  }
}

/** One connection: records the lines the client sent; `receive` plays the server's. */
export class FakeTransport implements LineTransport {
  readonly sent: string[] = [];
  readonly datagrams: FakeDatagrams | undefined;
  closed = false;
  #listener: TransportListener | undefined;

  constructor(
    withUdp: boolean,
    private readonly failOpen: boolean,
  ) {
    this.datagrams = withUdp ? new FakeDatagrams() : undefined;
  }

  open(listener: TransportListener): Promise<void> {
    if (this.failOpen) return Promise.reject(new Error('connection refused'));
    this.#listener = listener;
    return Promise.resolve();
  }

  send(line: string): void {
    if (this.closed) throw new Error(`sent on a closed transport: ${line}`);
    this.sent.push(line);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => this.#listener?.closed());
  }

  /** Server lines, in order. */
  receive(...lines: string[]): void {
    for (const line of lines) this.#listener?.line(line);
  }

  /** The connection breaks (the server went away). */
  drop(error: Error = new Error('connection reset')): void {
    this.closed = true;
    this.#listener?.closed(error);
  }
}

/** Timers that fire only when the test advances the clock. */
export class FakeTimers implements Timers {
  now = 0;
  /** The delay of every timer set, in order: what the client waited for. */
  readonly delays: number[] = [];
  #next = 1;
  readonly #pending = new Map<number, { readonly at: number; readonly callback: () => void }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.#next++;
    this.delays.push(ms);
    this.#pending.set(handle, { at: this.now + ms, callback });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Moves the clock on by `ms`, firing due timers in order, letting promises settle between. */
  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    for (;;) {
      await settle();
      const due = [...this.#pending].filter(([, timer]) => timer.at <= until);
      due.sort(([, a], [, b]) => a.at - b.at);
      const first = due[0];
      if (first === undefined) break;
      const [handle, timer] = first;
      this.#pending.delete(handle);
      this.now = timer.at;
      timer.callback();
    }
    this.now = until;
    await settle();
  }
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let round = 0; round < 10; round += 1) await Promise.resolve();
}

/** A client over fake transports, the transports it opened, and its timers. */
export interface FakeSetup {
  readonly client: RoomwireClient;
  readonly transports: FakeTransport[];
  readonly timers: FakeTimers;
  /** The transport in use: the last one opened. */
  readonly wire: () => FakeTransport;
  /** Makes the next `count` connection attempts fail. */
  failNextOpens(count: number): void;
}

/** Builds a client over fake transports (with UDP unless `udp: false`). */
export function fakeClient(
  options: Partial<RoomwireClientOptions> & { readonly udp?: boolean } = {},
): FakeSetup {
  const transports: FakeTransport[] = [];
  const timers = new FakeTimers();
  let failures = 0;
  const client = new RoomwireClient({
    timers,
    random: () => 1,
    ...options,
    transport: () => {
      const transport = new FakeTransport(options.udp ?? true, failures > 0);
      failures = Math.max(0, failures - 1);
      transports.push(transport);
      return transport;
    },
  });
  const wire = (): FakeTransport => {
    const last = transports.at(-1);
    if (last === undefined) throw new Error('no transport opened yet');
    return last;
  };
  return {
    client,
    transports,
    timers,
    wire,
    failNextOpens: (count) => {
      failures = count;
    },
  };
}

/** Connects and logs in as client `id`. */
export async function loggedIn(setup: FakeSetup, id = 1, name = 'me'): Promise<void> {
  await setup.client.connect();
  const login = setup.client.login(name, 'pw');
  setup.wire().receive(`0:${id}`);
  await login;
}
