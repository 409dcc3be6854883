import { ERROR_CODES } from '../protocol/error-codes.js';
import { formatAck, formatResume } from '../protocol/format-command.js';
import { parseServerLine, type ServerEvent } from '../protocol/server-events.js';
import type { ClientEvents, ClientStatus, RoomwireClientOptions } from './client-types.js';
import { RoomwireError } from './errors.js';
import {
  Delay,
  FINAL_CODES,
  reconnectLoop,
  resolveReconnect,
  type ReconnectOptions,
} from './reconnect.js';
import { RequestQueue } from './request-queue.js';
import { RoomTracker, type RoomEvent } from './room-state.js';
import { GLOBAL_TIMERS, type LineTransport, type Timers } from './transport.js';
import { TypedEmitter } from './typed-emitter.js';
import type { RoomState } from './room-state.js';
import type { UdpBinder } from './udp-binder.js';

/** How many lines the client receives between two acknowledgements (`6:<received>`, §10). */
export const ACK_EVERY_LINES = 128;

/** A session whose connection was lost, as a resume would restore it (§10). */
export interface LostSession {
  readonly clientId: number;
  readonly token: string | undefined;
  readonly received: number;
  readonly room: RoomState | undefined;
  readonly groups: readonly string[];
}

/**
 * The connection side of the client: opens transports, turns server lines into state and
 * events, hands answers to the request queue, and reconnects after a loss. The commands live
 * in the subclass, `RoomwireClient`.
 */
export abstract class ClientConnection extends TypedEmitter<ClientEvents> {
  protected readonly options: RoomwireClientOptions;
  protected readonly timers: Timers;
  protected readonly requests: RequestQueue;
  protected readonly rooms = new RoomTracker();
  /** The groups this session defined, so that an unknown one is refused before sending. */
  protected readonly groups = new Set<string>();
  protected statusNow: ClientStatus = 'idle';
  protected transport: LineTransport | undefined;
  protected udp: UdpBinder | undefined;
  /** This client's id once logged in. */
  protected selfId: number | undefined;
  /** Restored after a reconnect (see {@link restore}). */
  protected wantedRoom: { name: string; password: string } | undefined;
  protected readonly delay: Delay;
  readonly #reconnect: Required<ReconnectOptions> | undefined;
  /** A refusal that closes the connection, kept for the `close` event that follows. */
  #closeError: RoomwireError | undefined;
  /** The resume token of the login reply (§10), and the lines counted since that reply. */
  #token: string | undefined;
  #received = 0;
  /** The count last acknowledged to the server with `6:<received>`. */
  #acked = 0;
  /** Lines of a resume's replay still to come (§10): they answer the lost connection's commands. */
  #replayLeft = 0;
  /** What a resume after a loss gets back: the session as it was when the connection broke. */
  protected lost: LostSession | undefined;
  /** How the last reconnect got back: set by {@link restore}. */
  protected reconnectedBy = { resumed: false, replayed: 0 };

  constructor(options: RoomwireClientOptions) {
    super(options.onListenerError);
    this.options = options;
    this.timers = options.timers ?? GLOBAL_TIMERS;
    this.delay = new Delay(this.timers);
    this.#reconnect = resolveReconnect(options.reconnect);
    this.requests = new RequestQueue({
      send: (line) => this.transport?.send(line),
      timers: this.timers,
      timeoutMs: options.requestTimeoutMs ?? 10_000,
      onTimeout: () => this.transport?.close(),
    });
  }

  /** One reconnect attempt's work after connecting: log in, bind UDP, rejoin. */
  protected abstract restore(): Promise<void>;

  /** Opens a fresh transport and listens to it; a stale transport is never heard. */
  protected async open(): Promise<void> {
    const transport = this.options.transport();
    this.transport = transport;
    try {
      await transport.open({
        line: (line) => {
          if (this.transport === transport) this.#onLine(parseServerLine(line));
        },
        closed: (error) => {
          if (this.transport === transport) this.#onClosed(error);
        },
      });
    } catch (error) {
      if (this.transport === transport) this.transport = undefined;
      const message = `cannot connect: ${(error as Error).message}`;
      throw RoomwireError.client('connect_failed', message, { cause: error });
    }
  }

  /** A datagram from the server, other than the bind answer. */
  protected onDatagram(event: ServerEvent): void {
    if (event.type === 'message') {
      this.emit('message', { senderId: event.senderId, payload: event.payload, unreliable: true });
    } else if (event.type === 'error') {
      this.emit('error', new RoomwireError(event.code, `${event.code}: ${event.reason} (UDP)`));
    }
  }

  /** True while the lines a resume replays are still arriving. */
  protected get replaying(): boolean {
    return this.#replayLeft > 0;
  }

  #onLine(event: ServerEvent): void {
    const replayed = this.#replayLeft > 0;
    if (replayed) this.#replayLeft -= 1;
    // §10: every line after the login reply counts, but the resume answer.
    if (this.selfId !== undefined && event.type !== 'resumed') this.#received += 1;
    if (event.type === 'logged-in') {
      this.selfId = event.clientId;
      this.#token = event.resumeToken;
      this.#received = 0;
      this.#acked = 0;
    }
    // So that the server keeps only the lines not yet acknowledged for a resume, not 256 KiB.
    if (this.#token !== undefined && this.#received - this.#acked >= ACK_EVERY_LINES) {
      this.#acked = this.#received;
      this.transport?.send(formatAck(this.#received));
    }
    if (event.type === 'resumed') this.#onResumed(event.missed);
    if (event.type === 'error') {
      this.#onRefusal(event.code, event.reason, replayed);
      // A replayed refusal is shown to the resume request too, which waits for the last line.
      if (!replayed) return;
    } else if (event.type === 'joined' || event.type === 'left' || event.type === 'master') {
      this.#onRoomEvent(event);
    }
    if (event.type === 'message') {
      this.emit('message', { senderId: event.senderId, payload: event.payload, unreliable: false });
    }
    this.requests.offer(event);
  }

  #onRoomEvent(event: RoomEvent): void {
    const change = this.rooms.apply(event, this.selfId);
    switch (change?.event) {
      case 'joined':
        return this.emit('joined', change.value);
      case 'left':
        // Left by the server's doing too (a closed room): nothing to rejoin after a reconnect.
        if (change.value.self) this.wantedRoom = undefined;
        return this.emit('left', change.value);
      case 'master':
        return this.emit('master', change.value);
    }
  }

  #onRefusal(code: string, reason: string, replayed: boolean): void {
    const error = new RoomwireError(code, `${code}: ${reason}`);
    if (Object.hasOwn(ERROR_CODES, code) && ERROR_CODES[code as keyof typeof ERROR_CODES].closes) {
      this.#closeError = error;
    }
    // A replayed refusal answered a command of the lost connection, not the pending request.
    if (replayed || !this.requests.refuse(error)) this.emit('error', error);
  }

  /**
   * The server took this client back (§10): the state of before the loss returns at once, so
   * that the replayed lines that follow in the same read apply to it.
   */
  #onResumed(missed: number): void {
    const lost = this.lost;
    if (lost === undefined) return;
    this.selfId = lost.clientId;
    this.#token = lost.token;
    this.#received = lost.received;
    this.#acked = lost.received;
    this.rooms.room = lost.room;
    for (const group of lost.groups) this.groups.add(group);
    this.#replayLeft = missed;
    this.reconnectedBy = { resumed: true, replayed: missed };
  }

  /** A resume command for the session lost, if the server offered one. */
  protected resumeLine(): { line: string; clientId: number } | undefined {
    const lost = this.lost;
    if (lost?.token === undefined) return undefined;
    return {
      line: formatResume(lost.clientId, lost.token, lost.received),
      clientId: lost.clientId,
    };
  }

  #onClosed(transportError: Error | undefined): void {
    const error = this.#closeError ?? closeError(transportError);
    this.#closeError = undefined;
    // Kept for a resume; a failed reconnect attempt keeps the first loss's session.
    if (this.selfId !== undefined) {
      this.lost = {
        clientId: this.selfId,
        token: this.#token,
        received: this.#received,
        room: this.rooms.room,
        groups: [...this.groups],
      };
    }
    this.#token = undefined;
    this.#replayLeft = 0;
    this.transport = undefined;
    this.udp?.close();
    this.udp = undefined;
    this.selfId = undefined;
    this.rooms.room = undefined;
    this.groups.clear();
    this.requests.failAll(RoomwireError.client('connection_closed', undefined, { cause: error }));
    // A reconnect attempt that failed: the attempt loop goes on, nobody is told.
    if (this.statusNow === 'reconnecting') return;
    const reconnect = this.#reconnect;
    const reconnecting =
      this.statusNow === 'open' && reconnect !== undefined && !FINAL_CODES.has(error?.code ?? '');
    if (!reconnecting) this.statusNow = 'closed';
    this.emit('close', { error, reconnecting });
    if (reconnecting) void this.#reconnectAfterLoss(reconnect);
  }

  async #reconnectAfterLoss(options: Required<ReconnectOptions>): Promise<void> {
    this.statusNow = 'reconnecting';
    const outcome = await reconnectLoop(options, this.options.random ?? Math.random, {
      wait: (ms) => this.delay.wait(ms),
      attempt: async () => {
        await this.open();
        await this.restore();
      },
      abandon: () => {
        this.transport?.close();
        this.transport = undefined;
      },
      active: () => this.statusNow === 'reconnecting',
    });
    if (outcome === 'cancelled') return;
    if (outcome === undefined) {
      this.statusNow = 'open';
      this.emit('reconnected', {
        clientId: this.selfId ?? -1,
        room: this.rooms.room?.name,
        ...this.reconnectedBy,
      });
      return;
    }
    this.statusNow = 'closed';
    this.emit('close', { error: outcome as RoomwireError, reconnecting: false });
  }
}

/** Why the transport closed, as a {@link RoomwireError}; undefined for a normal close. */
function closeError(error: Error | undefined): RoomwireError | undefined {
  if (error === undefined || error instanceof RoomwireError) return error;
  return RoomwireError.client('connection_closed', error.message, { cause: error });
}
