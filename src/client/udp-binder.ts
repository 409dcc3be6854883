import { formatUdpBind } from '../protocol/format-command.js';
import { parseServerLine, type ServerEvent } from '../protocol/server-events.js';
import { RoomwireError } from './errors.js';
import type { DatagramChannel, Timers } from './transport.js';

/** Options of {@link UdpBinder}. */
export interface UdpBinderOptions {
  readonly retryMs: number;
  readonly timeoutMs: number;
  /** Every datagram from the server but the bind answer. */
  readonly onEvent: (event: ServerEvent) => void;
}

/**
 * Binds a datagram channel to a client id (protocol section 6): sends `0:<id>` every `retryMs`
 * until `0:<id>:connected` comes back (datagrams get lost), giving up after `timeoutMs`.
 */
export class UdpBinder {
  #opened: Promise<void> | undefined;
  #bound = false;
  #waiter:
    { readonly clientId: number; readonly done: (error?: RoomwireError) => void } | undefined;

  constructor(
    private readonly channel: DatagramChannel,
    private readonly timers: Timers,
    private readonly options: UdpBinderOptions,
  ) {}

  get bound(): boolean {
    return this.#bound;
  }

  async bind(clientId: number): Promise<void> {
    if (this.#bound) return;
    this.#opened ??= this.channel.open((text) => this.#onDatagram(text));
    await this.#opened;
    if (this.#waiter !== undefined) throw RoomwireError.client('bad_argument', 'already binding');
    const { retryMs, timeoutMs } = this.options;
    await new Promise<void>((resolve, reject) => {
      let retry: unknown;
      const deadline = this.timers.setTimeout(() => {
        const message = `no answer to the UDP bind in ${timeoutMs} ms`;
        this.#waiter?.done(RoomwireError.client('timeout', message));
      }, timeoutMs);
      this.#waiter = {
        clientId,
        done: (error) => {
          this.timers.clearTimeout(retry);
          this.timers.clearTimeout(deadline);
          this.#waiter = undefined;
          if (error === undefined) resolve();
          else reject(error);
        },
      };
      const attempt = (): void => {
        this.channel.send(formatUdpBind(clientId));
        retry = this.timers.setTimeout(attempt, retryMs);
      };
      attempt();
    });
  }

  send(text: string): void {
    this.channel.send(text);
  }

  /** Closes the channel; a bind still waiting fails. */
  close(): void {
    this.#waiter?.done(RoomwireError.client('connection_closed'));
    this.#bound = false;
    if (this.#opened !== undefined) this.channel.close();
  }

  #onDatagram(text: string): void {
    const event = parseServerLine(text);
    if (event.type === 'udp-connected') {
      if (event.clientId !== this.#waiter?.clientId) return;
      this.#bound = true;
      this.#waiter.done();
      return;
    }
    this.options.onEvent(event);
  }
}
