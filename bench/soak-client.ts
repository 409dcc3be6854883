/**
 * One client of the soak: a TCP or WebSocket connection that logs in, joins and leaves rooms,
 * sends, optionally binds UDP, and checks the sequenced messages it receives.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import WebSocket from 'ws';
import { LineDecoder } from '../src/protocol/line-decoder.js';
import { parseServerLine, type ServerEvent } from '../src/protocol/server-events.js';
import { readSequenced, SequenceCheck } from './sequence.js';
import { bindDatagram, joinLine, loginLine, nowUs } from './wire.js';

export type StreamWire = 'tcp' | 'websocket';

/** Where a soak client connects and what it reports to. */
export interface SoakTarget {
  readonly host: string;
  readonly port: number;
  readonly httpPort: number;
  /** A relayed message arrived over TCP/WebSocket (`latencyUs` when it was sequenced). */
  delivered(latencyUs: number | undefined): void;
  /** A `9:<code>` line arrived. */
  refused(code: string): void;
}

type Waiter = (event: ServerEvent) => boolean;

export class SoakClient {
  id = -1;
  room: string | undefined;
  closed = false;
  /** Sequenced messages sent so far, over TCP/WebSocket and over UDP. */
  sent = 0;
  sentUdp = 0;
  readonly check = new SequenceCheck();
  readonly udpCheck = new SequenceCheck();
  udp: dgram.Socket | undefined;
  #waiters: Waiter[] = [];
  #write: (line: string) => void = () => {};
  #destroy: () => void = () => {};
  #leave: () => void = () => {};

  private constructor(
    readonly wire: StreamWire,
    readonly target: SoakTarget,
  ) {}

  /** Connects and logs in; resolves once the login is answered. */
  static async open(wire: StreamWire, target: SoakTarget, name: string): Promise<SoakClient> {
    const client = new SoakClient(wire, target);
    await (wire === 'tcp' ? client.#openTcp() : client.#openWebSocket());
    client.send(loginLine(name));
    const event = await client.#expect((e) => e.type === 'logged-in' || e.type === 'error');
    if (event.type !== 'logged-in') throw new Error(`login refused: ${JSON.stringify(event)}`);
    client.id = event.clientId;
    return client;
  }

  /** Joins `room` (leaving any other) and resolves once the server confirmed it. */
  async join(room: string): Promise<void> {
    this.send(joinLine(room));
    await this.#expect((e) => e.type === 'joined' && e.clientId === this.id && e.room === room);
    this.room = room;
  }

  async leave(): Promise<void> {
    this.send('2:-1\n');
    await this.#expect((e) => e.type === 'left' && e.clientId === this.id);
    this.room = undefined;
  }

  /** Binds a UDP socket to this client, repeating the bind until it is answered. */
  async bindUdp(): Promise<void> {
    const udp = dgram.createSocket('udp4');
    this.udp = udp;
    udp.on('error', () => this.target.refused('udp_socket_error'));
    let bound = false;
    const answered = this.#expect((e) => e.type === 'udp-connected' && e.clientId === this.id);
    udp.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      const message = readSequenced(text);
      if (message === undefined) return this.#event(parseServerLine(text));
      this.udpCheck.receive(message);
      this.target.delivered(nowUs() - message.sentUs);
    });
    await new Promise<void>((resolve) => udp.connect(this.target.port, this.target.host, resolve));
    const retry = setInterval(() => {
      if (!bound && !this.closed) udp.send(bindDatagram(this.id));
    }, 100);
    udp.send(bindDatagram(this.id));
    try {
      await answered;
      bound = true;
    } finally {
      clearInterval(retry);
    }
  }

  /** Sends one framed line (with its newline). */
  send(line: string): void {
    if (!this.closed) this.#write(line);
  }

  sendDatagram(datagram: string): void {
    if (!this.closed) this.udp?.send(datagram);
  }

  /** Closes abruptly: no goodbye, the socket is destroyed. */
  destroy(): void {
    this.#close(this.#destroy);
  }

  /** Closes as a player who quits: a FIN or a WebSocket close, so the session ends at once. */
  quit(): void {
    this.#close(this.#leave);
  }

  #close(how: () => void): void {
    this.closed = true;
    how();
    this.udp?.close();
    this.udp = undefined;
    this.#fail();
  }

  #openTcp(): Promise<void> {
    const { host, port } = this.target;
    const socket = net.connect({ host, port, noDelay: true });
    const decoder = new LineDecoder(1024 * 1024);
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk, (line) => this.#line(line.toString('utf8')));
    });
    socket.on('error', () => {});
    socket.on('close', () => this.#closedByPeer());
    this.#write = (line) => socket.write(line);
    this.#destroy = () => socket.destroy();
    this.#leave = () => {
      socket.end();
      setTimeout(() => socket.destroy(), 5000).unref();
    };
    return new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
  }

  #openWebSocket(): Promise<void> {
    const ws = new WebSocket(`ws://${this.target.host}:${this.target.httpPort}/ws`);
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      this.#line(text.endsWith('\n') ? text.slice(0, -1) : text);
    });
    ws.on('error', () => {});
    ws.on('close', () => this.#closedByPeer());
    this.#write = (line) => ws.send(line);
    this.#destroy = () => ws.terminate();
    this.#leave = () => {
      ws.close(1000);
      setTimeout(() => ws.terminate(), 5000).unref();
    };
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  }

  #line(line: string): void {
    const message = readSequenced(line);
    if (message !== undefined) {
      this.check.receive(message);
      this.target.delivered(nowUs() - message.sentUs);
      return;
    }
    const event = parseServerLine(line);
    if (event.type === 'message') this.target.delivered(undefined);
    this.#event(event);
  }

  #event(event: ServerEvent): void {
    if (event.type === 'error') this.target.refused(event.code);
    this.#waiters = this.#waiters.filter((waiter) => !waiter(event));
  }

  #closedByPeer(): void {
    if (!this.closed) this.target.refused('closed_by_server');
    this.closed = true;
    this.udp?.close();
    this.udp = undefined;
    this.#fail();
  }

  /** Rejects every pending wait: the connection is gone. */
  #fail(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter({ type: 'error', code: 'closed', reason: '' });
  }

  /** Resolves with the first event `accept` takes; rejects on close or after 10 s. */
  #expect(accept: (event: ServerEvent) => boolean): Promise<ServerEvent> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('closed'));
      const timer = setTimeout(() => reject(new Error('no answer within 10 s')), 10_000);
      this.#waiters.push((event) => {
        const closed = event.type === 'error' && event.code === 'closed';
        if (!closed && !accept(event)) return false;
        clearTimeout(timer);
        if (closed) reject(new Error('closed'));
        else resolve(event);
        return true;
      });
    });
  }
}

/**
 * Messages the members of one room sent to each other (over their stream, or over UDP) that
 * have not arrived yet, or never will.
 */
export function undelivered(members: readonly SoakClient[], over: 'stream' | 'udp'): number {
  let due = 0;
  for (const receiver of members) {
    const check = over === 'stream' ? receiver.check : receiver.udpCheck;
    for (const sender of members) {
      if (sender === receiver) continue;
      due += check.due(sender.id, over === 'stream' ? sender.sent : sender.sentUdp);
    }
  }
  return due;
}
