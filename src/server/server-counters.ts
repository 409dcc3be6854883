import type { RelayEvent, TransportKind } from '../core/types.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import type { CloseReason } from '../transports/connection.js';

/** Where a message travelled: the stream transports, and UDP. */
export const TRAFFIC_TRANSPORTS = ['tcp', 'websocket', 'udp'] as const;
export type TrafficTransport = (typeof TRAFFIC_TRANSPORTS)[number];

export const DIRECTIONS = ['in', 'out'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** What a message is, read from its first bytes (protocol sections 2, 3 and 6). */
export const MESSAGE_KINDS = [
  'login',
  'rooms',
  'join',
  'leave',
  'message',
  'group_message',
  'group',
  'master',
  'ping',
  'error',
  'bind',
  'other',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** The kinds each direction and transport can carry, for metric series that start at zero. */
export const KINDS_BY_ROUTE: Readonly<Record<Direction, Record<'stream' | 'udp', MessageKind[]>>> =
  {
    in: {
      // Everything a client sends on a stream: all kinds but the server's own and UDP's bind.
      stream: MESSAGE_KINDS.filter((kind) => !['master', 'error', 'bind'].includes(kind)),
      udp: ['bind', 'message', 'group_message', 'other'],
    },
    out: {
      stream: ['login', 'rooms', 'join', 'leave', 'message', 'master', 'ping', 'error'],
      udp: ['bind', 'message', 'error'],
    },
  };

/** Why a message was dropped unanswered: before the core saw it, by the UDP rules (section 6), or by the rate limit. */
export type DropReason =
  | 'oversize'
  | 'malformed'
  | 'unbound'
  | 'wrong-ip'
  | 'unknown-client'
  | 'rate-limited'
  | 'udp-rate-limited';

const KIND = Object.fromEntries(MESSAGE_KINDS.map((kind, index) => [kind, index])) as Record<
  MessageKind,
  number
>;
const K = MESSAGE_KINDS.length;
const T = TRAFFIC_TRANSPORTS.length;
const TCP = 0;
const WEBSOCKET = 1;
const UDP = 2;
const IN = 0;
const OUT = 1;
const COLON = 58;

/** A first-byte lookup: 256 entries, `other` unless the byte is a known message type. */
function kindTable(types: Readonly<Record<string, MessageKind>>): Uint8Array {
  const table = new Uint8Array(256).fill(KIND.other);
  for (const [digit, kind] of Object.entries(types)) table[digit.charCodeAt(0)] = KIND[kind];
  return table;
}

const LINE_IN = kindTable({
  0: 'login',
  1: 'rooms',
  2: 'join',
  3: 'message',
  4: 'group_message',
  5: 'group',
  8: 'ping',
});
const LINE_OUT = kindTable({
  0: 'login',
  1: 'rooms',
  2: 'join',
  3: 'message',
  4: 'master',
  8: 'ping',
  9: 'error',
});
const DATAGRAM_IN = kindTable({ 0: 'bind', 3: 'message', 4: 'group_message' });
const DATAGRAM_OUT = kindTable({ 0: 'bind', 3: 'message', 9: 'error' });

/** `2:-1` is a leave; any other `2:` line a join. */
function lineInKind(line: Buffer): number {
  const kind = LINE_IN[line[0] ?? 0] as number;
  if (kind === KIND.join && line.length === 4 && line[2] === 45 && line[3] === 49) {
    return KIND.leave;
  }
  return kind;
}

/** `2:<id>:\n` (empty room field) is a leave; `2:<id>:<room>\n` a join. */
function lineOutKind(line: Buffer): number {
  const kind = LINE_OUT[line[0] ?? 0] as number;
  return kind === KIND.join && line[line.length - 2] === COLON ? KIND.leave : kind;
}

/** `0:<id>` or `<id>:<type>:...`, the type being one digit (section 6). */
function datagramInKind(data: Buffer): number {
  const colon = data.indexOf(COLON);
  if (colon > 0 && data[colon + 2] === COLON)
    return DATAGRAM_IN[data[colon + 1] as number] as number;
  return colon === 1 && data[0] === 48 ? KIND.bind : KIND.other;
}

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
    const index = slot(IN, transport === 'tcp' ? TCP : WEBSOCKET, lineInKind(line));
    this.#messages[index] = (this.#messages[index] as number) + 1;
    this.#bytes[index] = (this.#bytes[index] as number) + line.length;
  }

  /** A datagram that reached the core. */
  datagramIn(data: Buffer): void {
    const index = slot(IN, UDP, datagramInKind(data));
    this.#messages[index] = (this.#messages[index] as number) + 1;
    this.#bytes[index] = (this.#bytes[index] as number) + data.length;
  }

  /** One encoded line handed to `tcp` TCP and `websocket` WebSocket connections. */
  lineOut(line: Buffer, tcp: number, websocket: number): void {
    const kind = lineOutKind(line);
    if (tcp > 0) this.#out(slot(OUT, TCP, kind), tcp, line.length);
    if (websocket > 0) this.#out(slot(OUT, WEBSOCKET, kind), websocket, line.length);
  }

  /** One datagram sent. */
  datagramOut(data: Buffer): void {
    this.#out(slot(OUT, UDP, DATAGRAM_OUT[data[0] ?? 0] as number), 1, data.length);
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
      KIND[kind],
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
