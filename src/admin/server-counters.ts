import type { RelayEvent, TransportKind } from '../core/types.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import {
  datagramKindIndex,
  KIND_INDEX,
  lineKindIndex,
  MESSAGE_KINDS,
  type MessageKind,
  type OutgoingKind,
} from '../protocol/message-kinds.js';
import type { CloseReason } from '../transports/connection.js';

/** Where a message travelled: the stream transports, and UDP. */
export const TRAFFIC_TRANSPORTS = ['tcp', 'websocket', 'udp'] as const;
export type TrafficTransport = (typeof TRAFFIC_TRANSPORTS)[number];

export const DIRECTIONS = ['in', 'out'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export { MESSAGE_KINDS, type MessageKind } from '../protocol/message-kinds.js';

/** The kinds each direction and transport can carry, for metric series that start at zero. */
export const KINDS_BY_ROUTE: Readonly<Record<Direction, Record<'stream' | 'udp', MessageKind[]>>> =
  {
    in: {
      // Everything a client sends on a stream: all kinds but the server's own and UDP's bind.
      stream: MESSAGE_KINDS.filter((kind) => !['master', 'error', 'bind'].includes(kind)),
      udp: ['bind', 'message', 'group_message', 'other'],
    },
    out: {
      stream: ['login', 'rooms', 'join', 'leave', 'message', 'master', 'ping', 'error', 'resume'],
      udp: ['bind', 'message', 'error'],
    },
  };

/**
 * Why a message was dropped unanswered: before the core saw it, by the UDP rules (section 6), by
 * the rate limit, or in cluster mode because it could not be published.
 */
export type DropReason =
  | 'oversize'
  | 'malformed'
  | 'unbound'
  | 'wrong-ip'
  | 'unknown-client'
  /** Cluster mode: a message that could not be published (Redis unreachable). */
  | 'backplane'
  | 'rate-limited'
  | 'udp-rate-limited';

const K = MESSAGE_KINDS.length;
const T = TRAFFIC_TRANSPORTS.length;
const TCP = 0;
const WEBSOCKET = 1;
const UDP = 2;
const IN = 0;
const OUT = 1;

function slot(direction: number, transport: number, kind: number): number {
  return (direction * T + transport) * K + kind;
}

/**
 * The server's own counters: plain numbers bumped with `+= 1` on the hot path, read by the
 * admin metrics at scrape time. Nothing here calls prom-client, allocates or logs.
 */
export class ServerCounters {
  /** Messages and bytes, by direction, transport and kind; see {@link ServerCounters.traffic}. */
  readonly #messages = new Float64Array(2 * T * K);
  readonly #bytes = new Float64Array(2 * T * K);
  readonly refusals = new Map<ErrorCode, number>();
  readonly drops = new Map<DropReason, number>();
  /** Keyed `transport reason`. */
  readonly disconnects = new Map<string, number>();
  /**
   * Connections opened, by transport. Its type also guards the effect runner, which counts every
   * connection that is not TCP as WebSocket: a new transport kind fails to compile here.
   */
  readonly opened: Record<TransportKind, number> = { tcp: 0, websocket: 0 };
  logins = 0;
  udpBinds = 0;
  kicks = 0;
  roomsClosed = 0;
  /** Exceptions caught while handling one input (each closed its connection with `internal`). */
  internalErrors = 0;
  unhandledRejections = 0;

  /** A line a client sent over TCP or WebSocket. */
  lineIn(transport: TransportKind, line: Buffer): void {
    const index = slot(IN, transport === 'tcp' ? TCP : WEBSOCKET, lineKindIndex(line));
    this.#messages[index] = (this.#messages[index] as number) + 1;
    this.#bytes[index] = (this.#bytes[index] as number) + line.length;
  }

  /** A datagram that reached the core. */
  datagramIn(data: Buffer): void {
    const index = slot(IN, UDP, datagramKindIndex(data));
    this.#messages[index] = (this.#messages[index] as number) + 1;
    this.#bytes[index] = (this.#bytes[index] as number) + data.length;
  }

  /** One line of `size` bytes, labelled by the core, handed to `tcp` and `websocket` connections. */
  lineOut(kind: OutgoingKind, size: number, tcp: number, websocket: number): void {
    const index = KIND_INDEX[kind];
    if (tcp > 0) this.#out(slot(OUT, TCP, index), tcp, size);
    if (websocket > 0) this.#out(slot(OUT, WEBSOCKET, index), websocket, size);
  }

  /** One datagram of `size` bytes sent. */
  datagramOut(kind: OutgoingKind, size: number): void {
    this.#out(slot(OUT, UDP, KIND_INDEX[kind]), 1, size);
  }

  dropped(reason: DropReason, count = 1): void {
    if (count > 0) this.drops.set(reason, (this.drops.get(reason) ?? 0) + count);
  }

  connectionOpened(transport: TransportKind): void {
    this.opened[transport] += 1;
  }

  connectionClosed(transport: TransportKind, reason: CloseReason): void {
    const key = `${transport} ${reason}`;
    this.disconnects.set(key, (this.disconnects.get(key) ?? 0) + 1);
  }

  /** Counts what the core reports: refusals by code, logins, UDP binds and drops, admin actions. */
  event(event: RelayEvent): void {
    switch (event.kind) {
      case 'refused':
        this.refusals.set(event.code, (this.refusals.get(event.code) ?? 0) + 1);
        return;
      case 'login':
        this.logins += 1;
        return;
      case 'udp-bound':
        this.udpBinds += 1;
        return;
      case 'udp-dropped':
        return this.dropped(event.why);
      case 'kicked':
        this.kicks += 1;
        return;
      case 'room-closed':
        this.roomsClosed += 1;
        return;
      case 'rate-limited':
        this.dropped('rate-limited', event.dropped);
        return this.dropped('udp-rate-limited', event.datagramsDropped);
      case 'join':
      case 'leave':
        return;
    }
  }

  /** Messages and bytes so far for one direction, transport and kind. */
  traffic(
    direction: Direction,
    transport: TrafficTransport,
    kind: MessageKind,
  ): { messages: number; bytes: number } {
    const index = slot(
      DIRECTIONS.indexOf(direction),
      TRAFFIC_TRANSPORTS.indexOf(transport),
      KIND_INDEX[kind],
    );
    return { messages: this.#messages[index] as number, bytes: this.#bytes[index] as number };
  }

  /** Messages and bytes so far in one direction, every transport and kind together. */
  totals(direction: Direction): { messages: number; bytes: number } {
    const start = DIRECTIONS.indexOf(direction) * T * K;
    let messages = 0;
    let bytes = 0;
    for (let index = start; index < start + T * K; index += 1) {
      messages += this.#messages[index] as number;
      bytes += this.#bytes[index] as number;
    }
    return { messages, bytes };
  }

  #out(index: number, count: number, size: number): void {
    this.#messages[index] = (this.#messages[index] as number) + count;
    this.#bytes[index] = (this.#bytes[index] as number) + count * size;
  }
}
