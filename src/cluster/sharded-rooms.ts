import type { ClientId } from '../core/types.js';
import type { RelayLimits } from '../core/types.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import type { RedisKeys } from './channel-codec.js';
import { decideJoin } from './join-decision.js';
import type { RedisLinks } from './redis-links.js';
import type { RoomSnapshot } from './room-channels.js';

/** A join that keeps meeting concurrent changes is refused after this many tries. */
const MAX_JOIN_ATTEMPTS = 32;

/** How a join on Redis Cluster ended. */
export type ShardedJoin =
  | { readonly status: 'ok'; readonly snapshot: RoomSnapshot }
  | { readonly status: 'refused'; readonly code: ErrorCode }
  /** This node was taken for dead and reaped: it must detach and register again. */
  | { readonly status: 'reaped' }
  /** The old room's leave did not come back through its channel: the node lost events. */
  | { readonly status: 'lost' }
  /** The backplane's link broke meanwhile: nothing more was written. */
  | { readonly status: 'stale' };

/** What {@link ShardedRooms} needs from the backplane. */
export interface ShardedRoomsOptions {
  /**
   * The links, once the room messages the node has gathered are published: every room step goes
   * after them, so a sender's messages still come before its leave on the room's shard.
   */
  readonly links: () => RedisLinks;
  readonly keys: RedisKeys;
  readonly nodeId: string;
  readonly limits: Pick<RelayLimits, 'maxRooms' | 'maxRoomMembers'>;
  /**
   * Resolves once the leave of `clientId` from `room` has been applied from the room's channel
   * (false when it did not come in time): a switch waits for it before its join event, so the
   * core sees the leave first, as on one Redis, though the two rooms' channels now come over
   * different connections.
   */
  readonly leaveApplied: (room: string, clientId: ClientId) => Promise<boolean>;
}

/**
 * Rooms on Redis Cluster (docs/cluster.md, "Redis Cluster"): a join, a leave and a reap as steps
 * that each touch one hash slot, in an order that leaves nothing a reap cannot find.
 *
 * - a node's intents (`P:node:{N}:clients`, client -> room) are written before a room changes;
 * - a join reads the views of its room, its old room and the room set, decides with the rules of
 *   src/core/admission.ts, reserves the room in the room set when it creates it (the one step
 *   that counts rooms), and commits on the room's shard if the room's version is unchanged;
 * - a switch from another room first holds its place in the new room (counted as a member by
 *   every later decision), then leaves the old room, then turns the hold into the member: a
 *   refusal always comes before the old room is left, as on one Redis;
 * - a leave that empties a room leaves it `closing` on its shard and releases it from the room set.
 */
export class ShardedRooms {
  /** This node's clients' rooms as committed: what it takes out again when it was reaped. */
  readonly #rooms = new Map<ClientId, string>();

  constructor(private readonly options: ShardedRoomsOptions) {}

  /** `current`: false once the link broke since the join was asked (it then stops writing). */
  async join(
    clientId: ClientId,
    room: string,
    password: string,
    current: () => boolean,
  ): Promise<ShardedJoin> {
    const { keys } = this.options;
    const node = this.options.nodeId;
    const roomKeys = keys.roomKeys(room);
    for (let attempt = 0; attempt < MAX_JOIN_ATTEMPTS; attempt += 1) {
      if (attempt > 2) await new Promise((resolve) => setTimeout(resolve, attempt));
      const old = this.#rooms.get(clientId) ?? '';
      const cmd = this.#cmd();
      const [target, rooms, previous] = await Promise.all([
        cmd.rwRoomView(...roomKeys),
        cmd.rwRoomsView(...this.#roomSet()),
        old === '' ? undefined : cmd.rwRoomView(...keys.roomKeys(old)),
      ]);
      const [version = '', roomPassword = '', members = '0'] = target;
      const [oldVersion = '', , oldMembers = '0'] = previous ?? [];
      const view = [old, oldMembers, oldVersion, version, roomPassword, members, ...rooms];
      const decision = decideJoin(view, password, this.options.limits);
      if ('refusal' in decision) return { status: 'refused', code: decision.refusal };
      if (!current()) return { status: 'stale' };
      const creates = version === '';
      // The old room closes with this switch: the decision counted it as gone.
      const closing = creates && old !== '' && Number(oldMembers) === 1 ? old : '';
      const field = old === '' ? String(clientId) : `${clientId}>`;
      if ((await this.#cmd().rwIntent(...keys.nodeKeys(node), field, room)) === 'reaped') {
        return { status: 'reaped' };
      }
      if (!current()) return { status: 'stale' };
      let created = '';
      if (creates) {
        const roomsVersion = rooms[1] ?? '0';
        const args = [room, password, roomsVersion, node, closing];
        const reserved = await this.#cmd().rwReserve(...this.#roomSet(), ...args);
        if (reserved[0] !== 'ok') continue;
        created = reserved[1] ?? '';
      }
      const channel = keys.roomChannel(room);
      const id = String(clientId);
      let reply: string[];
      if (old === '') {
        reply = await this.#cmd().rwRoomCommit(
          ...roomKeys,
          channel,
          id,
          password,
          version,
          created,
        );
      } else {
        const held = await this.#cmd().rwRoomHold(...roomKeys, id, password, version, created);
        if (held !== 'ok') {
          await this.#undo(field, room, created, closing);
          continue;
        }
        const left = await this.#leave(clientId, old, closing === '' ? '' : oldVersion);
        if (left === 'conflict') {
          // Someone joined the old room after the decision: it does not close after all.
          await this.#takeOut(clientId, room, node);
          await this.#undo(field, room, created, closing);
          continue;
        }
        if (left === 'lost') return { status: 'lost' };
        reply = await this.#cmd().rwRoomConfirm(...roomKeys, channel, id);
        if (reply[0] === 'gone') return { status: 'reaped' };
        await this.#cmd().rwMoveIntent(...keys.nodeKeys(node), clientId);
      }
      if (reply[0] !== 'ok') {
        await this.#undo(field, room, created, closing);
        continue;
      }
      this.#rooms.set(clientId, room);
      const [, joinedPassword = '', createdAs = '0', seq = '0', ...memberIds] = reply;
      this.#size(room, createdAs, seq, memberIds.length + 1);
      return {
        status: 'ok',
        snapshot: { password: joinedPassword, memberIds: memberIds.map(Number) },
      };
    }
    return { status: 'refused', code: 'unavailable' };
  }

  /** Takes a client out of its room; false when it was in none. */
  async leave(clientId: ClientId): Promise<boolean> {
    const room = this.#rooms.get(clientId);
    if (room === undefined) return false;
    return (await this.#leave(clientId, room, undefined)) === 'left';
  }

  /**
   * Registers this node: takes out whatever an earlier life of it left in rooms (its intents,
   * and the rooms it knows it committed), lifts the id counter, marks it live and alive.
   */
  async register(nodeTimeoutMs: number, highestId: number): Promise<void> {
    const { keys, nodeId } = this.options;
    const { cmd, sub } = this.options.links();
    const [clients, state] = keys.nodeKeys(nodeId);
    const intents = await cmd.hgetall(clients);
    const memberships: [ClientId, string][] = [...this.#rooms];
    for (const [field, room] of Object.entries(intents))
      memberships.push([parseInt(field, 10), room]);
    for (const [client, room] of memberships) await this.#takeOut(client, room, nodeId, '', true);
    this.#rooms.clear();
    await cmd.del(clients);
    await cmd.rwRaiseIdsKey(keys.clientIds, Math.max(0, highestId));
    await cmd.set(state, 'live');
    await cmd.rwRegister(keys.nodes, keys.nodesAlive, keys.nodesBeat, nodeId, nodeTimeoutMs);
    await sub.ssubscribe(keys.groupChannel);
    await sub.ssubscribe(keys.nodeChannel(nodeId));
  }

  /** This node's stop: its clients leave, it leaves the registry. */
  async deregister(): Promise<void> {
    await this.reapNode(this.options.nodeId);
  }

  /**
   * The heartbeat: renews this node's expiry; -1 when this node is no longer registered, else the
   * nodes found dead (each claimed by this node for one timeout: {@link reapNode} them).
   */
  async heartbeat(nodeTimeoutMs: number): Promise<-1 | string[]> {
    const { keys, nodeId } = this.options;
    const { beat } = this.options.links();
    const [first, ...dead] = await beat.rwShardedHeartbeat(
      keys.nodes,
      keys.nodesAlive,
      keys.nodesBeat,
      nodeId,
      nodeTimeoutMs,
      nodeTimeoutMs / 2,
    );
    if (Number(first) < 0) return -1;
    return dead.map(String);
  }

  /**
   * Takes every client of a node out of its room, one room (one shard) at a time: marks the node
   * reaped (its later intents fail), walks its intents, then removes it. Each step is idempotent,
   * so two survivors reaping one node at once take each client out once.
   */
  async reapNode(node: string): Promise<number> {
    const { keys } = this.options;
    const [clients, state] = keys.nodeKeys(node);
    const flat = await this.#cmd().rwClaimNode(clients, state);
    let count = 0;
    for (let index = 0; index + 1 < flat.length; index += 2) {
      const client = parseInt(flat[index] as string, 10);
      if ((await this.#takeOut(client, flat[index + 1] as string, node, '', true)) === true) {
        count += 1;
      }
    }
    const cmd = this.#cmd();
    await cmd.del(clients, state);
    await cmd.rwDropNode(keys.nodes, keys.nodesAlive, keys.nodesBeat, node);
    return count;
  }

  /**
   * Tells the room set a room's member count for the room list, without waiting: not atomic
   * with the join or leave (the list is a moment's view anyway), but a newer count always wins.
   */
  #size(room: string, created: string, seq: string, count: number): void {
    const { keys } = this.options;
    this.#cmd()
      .rwSize(keys.roomSizes, keys.roomIndex, room, created, seq, count)
      .catch(() => undefined);
  }

  #cmd(): RedisLinks['cmd'] {
    return this.options.links().cmd;
  }

  /** The keys of the room-set scripts (sharded-scripts.ts), in their order. */
  #roomSet(): [string, string, string, string, string, string] {
    const { keys } = this.options;
    return [
      keys.roomIndex,
      keys.roomSerial,
      keys.roomPasswords,
      keys.roomOwners,
      keys.roomsLeaving,
      keys.roomSizes,
    ];
  }

  /** A join given up: its reservation released, its intent (`field`) for the room forgotten. */
  async #undo(field: string, room: string, created: string, closing: string): Promise<void> {
    const { keys, nodeId } = this.options;
    if (created !== '') {
      await this.#cmd().rwRelease(...this.#roomSet(), room, created, nodeId, closing);
    }
    await this.#cmd().rwForgetIntent(...keys.nodeKeys(nodeId), field, room);
  }

  /**
   * A live client's leave: out of the room (only at `required` version, when given), the room
   * released if it closed, the intent forgotten; a switch (`required` given) waits until the
   * core has applied the leave.
   */
  async #leave(
    clientId: ClientId,
    room: string,
    required: string | undefined,
  ): Promise<'left' | 'absent' | 'conflict' | 'lost'> {
    const { keys, nodeId } = this.options;
    const applied = required === undefined ? undefined : this.options.leaveApplied(room, clientId);
    const left = await this.#takeOut(clientId, room, nodeId, required ?? '');
    if (left === 'conflict') return 'conflict';
    await this.#cmd().rwForgetIntent(...keys.nodeKeys(nodeId), clientId, room);
    this.#rooms.delete(clientId);
    if (!left) return 'absent';
    if (applied !== undefined && !(await applied)) return 'lost';
    return 'left';
  }

  /**
   * Takes one client of `node` out of `room` on the room's shard (at the `required` version when
   * given), then releases the room from the room set when it is closing (emptied, by this leave
   * or by one whose node died before releasing it), and, when reaping (`orphans`: nothing of the
   * node is in flight), when it never got a member after `node` reserved it. True when it left.
   */
  async #takeOut(
    clientId: ClientId,
    room: string,
    node: string,
    required = '',
    orphans = false,
  ): Promise<boolean | 'conflict'> {
    const { keys } = this.options;
    const roomKeys = keys.roomKeys(room);
    const channel = keys.roomChannel(room);
    const reply = await this.#cmd().rwRoomLeave(...roomKeys, channel, clientId, required);
    const [left, state, created, seq, count] = reply;
    if (state === 'conflict') return 'conflict';
    if (state === 'live') this.#size(room, created, seq, Number(count));
    if (state === 'closing') {
      await this.#cmd().rwRelease(...this.#roomSet(), room, created, node, room);
      await this.#cmd().rwRoomForget(...roomKeys, created);
    } else if (state === 'absent' && orphans) {
      await this.#cmd().rwRelease(...this.#roomSet(), room, '', node, '');
    }
    return Number(left) === 1;
  }
}
