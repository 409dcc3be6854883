/**
 * Key names and the bytes of the backplane's pub/sub messages (docs/cluster.md). A room's keys
 * and channel share the hash tag `{<room>}`, so on Redis Cluster they live on one shard.
 */
import type { GroupEvent, RoomEvent } from '../core/cluster-types.js';
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

/** `m|<clientId>|<mode>|<udp>|<payload>`; joins and leaves are published by the scripts. */
export function encodeRoomMessage(event: RoomEvent & { kind: 'message' }): Buffer {
  const head = Buffer.from(`m|${event.clientId}|${event.mode}|${event.udp ? 1 : 0}|`);
  return Buffer.concat([head, event.payload]);
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
 * `b|<count>|` then, for each, `<length>|<message>` (a message as {@link encodeRoomMessage}
 * writes it). One message goes as itself.
 */
export function encodeRoomBatch(messages: readonly Buffer[]): Buffer {
  if (messages.length === 1) return messages[0] as Buffer;
  const parts: Buffer[] = [Buffer.from(`b|${messages.length}|`)];
  for (const message of messages) parts.push(Buffer.from(`${message.length}|`), message);
  return Buffer.concat(parts);
}

/** A decimal number at `start` ending with '|': the number and where what follows starts. */
function numberAt(data: Buffer, start: number): { value: number; next: number } | undefined {
  const end = data.indexOf(BAR, start);
  if (end <= start || end - start > 10) return undefined;
  const text = data.toString('latin1', start, end);
  return /^\d+$/.test(text) ? { value: Number(text), next: end + 1 } : undefined;
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
  const count = numberAt(data, 2);
  if (count === undefined) return [];
  const events: RoomEvent[] = [];
  let at = count.next;
  for (let index = 0; index < count.value; index += 1) {
    const length = numberAt(data, at);
    if (length === undefined || length.next + length.value > data.length) return events;
    const event = decodeRoomEvent(data.subarray(length.next, length.next + length.value));
    if (event?.kind === 'message') events.push(event);
    at = length.next + length.value;
  }
  return events;
}

/** A room channel's message as a room event, or undefined for bytes no node sends. */
export function decodeRoomEvent(data: Buffer): RoomEvent | undefined {
  if (data.length < 3 || data[1] !== BAR) return undefined;
  const kind = data[0];
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
  if (kind !== 0x6d) return undefined;
  const parts = split(data, 3);
  if (parts === undefined) return undefined;
  const [sender, mode, udp] = parts.fields;
  const id = clientId(sender);
  const modeNumber = Number(mode);
  if (id < 0 || !MODES.has(modeNumber)) return undefined;
  return {
    kind: 'message',
    clientId: id,
    mode: modeNumber as MessageMode,
    udp: udp === '1',
    payload: parts.payload,
  };
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
