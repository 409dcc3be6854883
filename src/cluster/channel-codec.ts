/**
 * Key names and the bytes of the backplane's pub/sub messages (docs/cluster.md). A room's keys
 * and channel share the hash tag `{<room>}`, so on Redis Cluster they live on one shard.
 */
import type { GroupEvent, MessageEvent, RoomEvent } from '../core/cluster-types.js';
import { MESSAGE_MODES, type MessageMode } from '../protocol/commands.js';

/**
 * Names of the keys and channels under one prefix. On Redis Cluster (`sharded`) a room's name is
 * escaped inside its hash tag (`%`, `{` and `}` as `%25`, `%7B`, `%7D`), so that every room's
 * keys and channel share one non-empty tag whatever the name; on one Redis names are as they
 * were.
 */
export class RedisKeys {
  readonly roomChannelPrefix: string;
  readonly groupChannel: string;
  readonly clientIds: string;
  readonly nodes: string;
  /** Redis Cluster: `{rooms}` slot, the room set. */
  readonly roomIndex: string;
  readonly roomSerial: string;
  readonly roomPasswords: string;
  readonly roomSizes: string;
  readonly roomOwners: string;
  readonly roomsLeaving: string;
  /** Redis Cluster: `{nodes}` slot, node -> expiry (Redis ms), and the last heartbeat's time. */
  readonly nodesAlive: string;
  readonly nodesBeat: string;

  constructor(
    readonly prefix: string,
    readonly sharded = false,
  ) {
    this.roomChannelPrefix = `${prefix}:room:{`;
    this.groupChannel = `${prefix}:{groups}`;
    this.clientIds = `${prefix}:ids`;
    this.nodes = `${prefix}:{nodes}`;
    this.roomIndex = `${prefix}:{rooms}:index`;
    this.roomSerial = `${prefix}:{rooms}:serial`;
    this.roomPasswords = `${prefix}:{rooms}:passwords`;
    this.roomSizes = `${prefix}:{rooms}:sizes`;
    this.roomOwners = `${prefix}:{rooms}:owners`;
    this.roomsLeaving = `${prefix}:{rooms}:leaving`;
    this.nodesAlive = `${prefix}:{nodes}:alive`;
    this.nodesBeat = `${prefix}:{nodes}:beat`;
  }

  roomChannel(room: string): string {
    return `${this.roomChannelPrefix}${this.#tag(room)}}`;
  }

  /** A room's members (sorted set), meta (hash) and held places (hash), on the room's slot. */
  roomKeys(room: string): [members: string, meta: string, holds: string] {
    const base = `${this.roomChannelPrefix}${this.#tag(room)}}`;
    return [`${base}:members`, `${base}:meta`, `${base}:holds`];
  }

  /** The room of a room channel's name, or undefined for another channel. */
  roomOfChannel(channel: string): string | undefined {
    if (!channel.startsWith(this.roomChannelPrefix) || !channel.endsWith('}')) return undefined;
    const tag = channel.slice(this.roomChannelPrefix.length, -1);
    if (!this.sharded) return tag;
    return tag.replace(/%(25|7B|7D)/g, (_escape, hex: string) =>
      String.fromCharCode(parseInt(hex, 16)),
    );
  }

  nodeAlive(node: string): string {
    return `${this.prefix}:node:{${node}}:alive`;
  }

  /** A node's clients hash (client -> room) and its state (`live`, `reaped`), on its slot. */
  nodeKeys(node: string): [clients: string, state: string] {
    return [`${this.prefix}:node:{${node}}:clients`, `${this.prefix}:node:{${node}}:state`];
  }

  /** A node's own channel: its subscriber's lag probe (`p|<sent ms>`) comes back on it. */
  nodeChannel(node: string): string {
    return `${this.prefix}:node:{${node}}`;
  }

  #tag(room: string): string {
    if (!this.sharded) return room;
    return room.replace(/[%{}]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  }
}

const BAR = 0x7c; // '|'
const MODES: ReadonlySet<number> = new Set(Object.values(MESSAGE_MODES));

/**
 * A room message on its way to the channel: its head `m|<clientId>|<mode>|<udp>|` and its
 * payload, kept apart until the turn's batch is written, so the payload is copied once.
 */
export interface RoomMessage {
  readonly head: string;
  readonly payload: Buffer;
}

/** `m|<clientId>|<mode>|<udp>|<payload>`; joins and leaves are published by the scripts. */
export function roomMessage(event: MessageEvent): RoomMessage {
  return {
    head: `m|${event.clientId}|${event.mode}|${event.udp ? 1 : 0}|`,
    payload: event.payload,
  };
}

/** The bytes of one message, as {@link roomMessage} and {@link encodeRoomBatch} write it. */
export function roomMessageSize(message: RoomMessage): number {
  return message.head.length + message.payload.length;
}

/** `g|<senderId>|<udp>|<id,id,...>|<payload>`. */
export function encodeGroupMessage(event: GroupEvent): Buffer {
  const head = Buffer.from(`g|${event.senderId}|${event.udp ? 1 : 0}|${event.targets.join(',')}|`);
  return Buffer.concat([head, event.payload]);
}

/** The fields of a message: `count` header fields after the kind, then the rest as payload. */
function split(data: Buffer, count: number): { fields: string[]; payload: Buffer } | undefined {
  const fields: string[] = [];
  let start = 2;
  for (let index = 0; index < count; index += 1) {
    const end = data.indexOf(BAR, start);
    if (end < 0) {
      if (index === count - 1 && count > 0 && data.length > start) {
        fields.push(data.toString('latin1', start));
        return { fields, payload: Buffer.alloc(0) };
      }
      return undefined;
    }
    fields.push(data.toString('latin1', start, end));
    start = end + 1;
  }
  return { fields, payload: data.subarray(start) };
}

function clientId(text: string | undefined): number {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : -1;
}

/**
 * Several room messages of one node, published in one event-loop turn, as one channel message:
 * `b|<count>|` then, for each, `<length>|<message>` (a message as {@link roomMessage} makes it).
 * One message goes as itself. Written in one allocation, each payload copied once.
 */
export function encodeRoomBatch(messages: readonly RoomMessage[]): Buffer {
  const only = messages.length === 1 ? messages[0] : undefined;
  if (only !== undefined) {
    const data = Buffer.allocUnsafe(roomMessageSize(only));
    const at = data.write(only.head, 0, 'latin1');
    only.payload.copy(data, at);
    return data;
  }
  let head = `b|${messages.length}|`;
  let size = head.length;
  for (const message of messages) {
    const length = roomMessageSize(message);
    size += decimalLength(length) + 1 + length;
  }
  const data = Buffer.allocUnsafe(size);
  let at = 0;
  for (const message of messages) {
    head += `${roomMessageSize(message)}|${message.head}`;
    at += data.write(head, at, 'latin1');
    at += message.payload.copy(data, at);
    head = '';
  }
  return data;
}

function decimalLength(value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits += 1;
  return digits;
}

/** Where the last {@link decimalAt} stopped: just past the bar ending its number. */
let afterDecimal = 0;

/**
 * The decimal number (at most `digits` digits) at `start` of `data`, ending with '|' before
 * `end`, or -1; sets {@link afterDecimal}.
 */
function decimalAt(data: Buffer, start: number, end: number, digits: number): number {
  const limit = Math.min(end, start + digits + 1);
  let value = 0;
  for (let at = start; at < limit; at += 1) {
    const byte = data[at] as number;
    if (byte === BAR) {
      if (at === start) return -1;
      afterDecimal = at + 1;
      return value;
    }
    if (byte < 0x30 || byte > 0x39) return -1;
    value = value * 10 + (byte - 0x30);
  }
  return -1;
}

/** The room message `m|<clientId>|<mode>|<udp>|<payload>` in `data[start, end)`, or undefined. */
function messageAt(data: Buffer, start: number, end: number): MessageEvent | undefined {
  if (end - start < 8 || data[start] !== 0x6d || data[start + 1] !== BAR) return undefined;
  const id = decimalAt(data, start + 2, end, 15);
  if (id < 0) return undefined;
  const mode = decimalAt(data, afterDecimal, end, 1);
  const udp = decimalAt(data, afterDecimal, end, 1);
  if (!MODES.has(mode) || udp < 0 || udp > 1) return undefined;
  const payload = data.subarray(afterDecimal, end);
  return { kind: 'message', clientId: id, mode: mode as MessageMode, udp: udp === 1, payload };
}

/**
 * A room channel's message as the room events it carries, in order: one for a join, a leave or
 * a message, several for a batch; none for bytes no node sends.
 */
export function decodeRoomEvents(data: Buffer): RoomEvent[] {
  if (data[0] !== 0x62 || data[1] !== BAR) {
    const event = decodeRoomEvent(data);
    return event === undefined ? [] : [event];
  }
  const count = decimalAt(data, 2, data.length, 10);
  if (count < 0) return [];
  const events: RoomEvent[] = [];
  let at = afterDecimal;
  for (let index = 0; index < count; index += 1) {
    const length = decimalAt(data, at, data.length, 10);
    if (length < 0 || afterDecimal + length > data.length) return events;
    at = afterDecimal + length;
    const event = messageAt(data, afterDecimal, at);
    if (event !== undefined) events.push(event);
  }
  return events;
}

/** A room channel's message as a room event, or undefined for bytes no node sends. */
export function decodeRoomEvent(data: Buffer): RoomEvent | undefined {
  if (data.length < 3 || data[1] !== BAR) return undefined;
  const kind = data[0];
  if (kind === 0x6d) return messageAt(data, 0, data.length);
  if (kind === 0x6a || kind === 0x6c) {
    // `j|<seq>|<client>` and `l|<seq>|<client>`
    const parts = split(data, 2);
    const id = clientId(parts?.fields[1]);
    if (id < 0) return undefined;
    return { kind: kind === 0x6a ? 'join' : 'leave', clientId: id };
  }
  if (kind === 0x76) {
    // `v|<client>|<ticket>`: the member's session moves to the ticket's node (§10).
    const parts = split(data, 2);
    const id = clientId(parts?.fields[0]);
    const ticket = parts?.fields[1] ?? '';
    if (id < 0 || ticket === '') return undefined;
    return { kind: 'move', clientId: id, ticket };
  }
  return undefined;
}

/** A group channel's message, or undefined for bytes no node sends. */
export function decodeGroupEvent(data: Buffer): GroupEvent | undefined {
  if (data.length < 3 || data[0] !== 0x67 || data[1] !== BAR) return undefined;
  const parts = split(data, 3);
  if (parts === undefined) return undefined;
  const [sender, udp, targets = ''] = parts.fields;
  const senderId = clientId(sender);
  const ids = targets === '' ? [] : targets.split(',').map(clientId);
  if (senderId < 0 || ids.some((id) => id < 0)) return undefined;
  return { senderId, targets: ids, udp: udp === '1', payload: parts.payload };
}
