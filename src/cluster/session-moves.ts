/**
 * Resume on another node (§10, docs/cluster.md "Resume on another node"): the backplane's half
 * of moving a session between nodes. The asking node sends the request to every other node;
 * the node holding the session accepts (its core checks the token), every other node refuses,
 * and the resume is refused once every node asked has refused; for a session in a room the
 * asking node then runs the move script, which moves the membership record from the holder's
 * node hash to its own and publishes `v|<client>|<ticket>` on the room's channel in one atomic
 * step, the room's replica starting at that event as a join's does (room-channels.ts); the
 * holder ships the session's state when it applies the event. Every wait is bounded by
 * `timeoutMs`; a session that moved here but whose state never came leaves its room.
 */
import type { Link } from './redis-links.js';
import type { Logger } from 'pino';
import type { ClusterInput, SessionState } from '../core/cluster-types.js';
import type { ClientId, ConnId } from '../core/types.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import type { RedisKeys } from './channel-codec.js';
import { KEYS_LUA } from './lua-scripts.js';
import type { RoomChannels } from './room-channels.js';
import {
  decodeSessionMessage,
  encodeAccept,
  encodeAsk,
  encodeRefuse,
  encodeState,
  nodeOfTicket,
} from './session-codec.js';

/**
 * ARGV: prefix, holder node, this node, client, room, ticket. Moves the client's membership
 * record from the holder's node hash to this node's and publishes `v|<client>|<ticket>` on the
 * room's channel, if the holder is alive and the client is still its member of that room.
 * Returns `{'ok', password, memberId...}` (the room just before the event, oldest first),
 * `{'gone'}`, or `{'reaped'}` when this node is no longer registered.
 */
export const MOVE_SCRIPT = `${KEYS_LUA}
local from, to, client, room, ticket = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if redis.call('SISMEMBER', NODES, to) == 0 then return {'reaped'} end
if redis.call('SISMEMBER', NODES, from) == 0 then return {'gone'} end
if redis.call('EXISTS', nodeKey(from, 'alive')) == 0 then return {'gone'} end
if redis.call('HGET', nodeKey(from, 'clients'), client) ~= room then return {'gone'} end
if not redis.call('ZSCORE', roomKey(room, 'members'), client) then return {'gone'} end
redis.call('HDEL', nodeKey(from, 'clients'), client)
redis.call('HSET', nodeKey(to, 'clients'), client, room)
redis.call('PUBLISH', roomChannel(room), 'v|' .. client .. '|' .. ticket)
local reply = {'ok', redis.call('HGET', roomKey(room, 'meta'), 'password') or ''}
for _, member in ipairs(redis.call('ZRANGE', roomKey(room, 'members'), 0, -1)) do
  reply[#reply + 1] = member
end
return reply
`;

/** Resumes under way on this node at once; more are refused. */
const MAX_PENDING = 1_000;

/** What {@link SessionMoves} needs of its backplane. */
export interface SessionMovesDeps {
  readonly nodeId: string;
  readonly keys: RedisKeys;
  /** The command connection, once what waits to be published has been sent. */
  readonly command: () => Link;
  /** Publishes within the backplane's bounds. */
  readonly publish: (channel: string, data: Buffer) => void;
  readonly feed: (input: ClusterInput) => void;
  readonly channels: RoomChannels;
  /** Resolves once this node listens to the room's channel. */
  readonly subscribed: (room: string) => Promise<unknown>;
  /** Runs a client's steps one after another, with its joins and leaves. */
  readonly chain: (clientId: ClientId, step: () => Promise<void>) => void;
  /** Takes the client out of the room this node's hash has it in (the leave script). */
  readonly leave: (clientId: ClientId) => void;
  readonly ready: () => boolean;
  /** On Redis Cluster, where the move script (three slots in one step) cannot run. */
  readonly sharded: () => boolean;
  readonly timeoutMs: number;
  readonly logger: Logger;
}

/** A resume this node asked for. */
interface Pending {
  readonly connId: ConnId;
  readonly clientId: ClientId;
  /** `asked`: waiting for the holder; `moving`: the move script runs; `moved`: it ran. */
  phase: 'asked' | 'moving' | 'moved';
  /** Nodes asked that have not refused yet; undefined until the ask is sent. */
  unanswered: number | undefined;
  /** The state came and went to the core. */
  delivered: boolean;
  /** Given up on after the move: the session's membership here was ended. */
  abandoned: boolean;
  timer: NodeJS.Timeout | undefined;
}

export class SessionMoves {
  readonly #deps: SessionMovesDeps;
  readonly #pending = new Map<string, Pending>();
  #serial = 0;

  constructor(deps: SessionMovesDeps) {
    this.#deps = deps;
  }

  /** A connection of this node resumes a session it does not hold. */
  ask(connId: ConnId, clientId: ClientId, token: string): void {
    const deps = this.#deps;
    // On Redis Cluster a session resumes only on the node that holds it (docs/cluster.md).
    if (!deps.ready() || deps.sharded() || this.#pending.size >= MAX_PENDING) {
      queueMicrotask(() => deps.feed({ type: 'cluster-refused', connId, code: 'resume_failed' }));
      return;
    }
    this.#serial += 1;
    const ticket = `${deps.nodeId}.${this.#serial}`;
    const entry: Pending = {
      connId,
      clientId,
      phase: 'asked',
      unanswered: undefined,
      delivered: false,
      abandoned: false,
      timer: undefined,
    };
    this.#pending.set(ticket, entry);
    this.#arm(ticket, entry);
    const ask = encodeAsk(ticket, clientId, token);
    deps
      .command()
      .smembers(deps.keys.nodes)
      .then(
        (nodes) => {
          const others = nodes.filter((node) => node !== deps.nodeId);
          for (const node of others) deps.publish(deps.keys.nodeChannel(node), ask);
          // No other node: nobody can hold the session.
          entry.unanswered = others.length;
          if (others.length === 0) this.#fail(ticket, 'resume_failed');
        },
        () => this.#fail(ticket, 'resume_failed'),
      );
  }

  /** This node holds the session and gives it up; it is a member of `room` ('' for none). */
  accept(ticket: string, room: string): void {
    const accept = encodeAccept(ticket, this.#deps.nodeId, room);
    this.#deps.publish(this.#answerChannel(ticket), accept);
  }

  refuse(ticket: string, code: ErrorCode): void {
    this.#deps.publish(this.#answerChannel(ticket), encodeRefuse(ticket, code));
  }

  handOver(ticket: string, state: SessionState): void {
    this.#deps.publish(this.#answerChannel(ticket), encodeState(ticket, state));
  }

  /** A message on this node's own channel that is not the lag probe. */
  message(data: Buffer): void {
    const message = decodeSessionMessage(data);
    if (message === undefined) return;
    switch (message.kind) {
      case 'ask': {
        const { ticket, clientId, token } = message;
        return this.#deps.feed({ type: 'resume-asked', ticket, clientId, token });
      }
      case 'refuse': {
        // Every node that does not hold the session refuses too: refused once all have.
        const entry = this.#pending.get(message.ticket);
        if (entry?.phase !== 'asked' || entry.unanswered === undefined) return;
        entry.unanswered -= 1;
        if (entry.unanswered <= 0) this.#fail(message.ticket, message.code);
        return;
      }
      case 'accept':
        return this.#accepted(message.ticket, message.holder, message.room);
      case 'state':
        return this.#state(message.ticket, message.state);
    }
  }

  /** A `move` event went by on a room channel. */
  moved(clientId: ClientId, ticket: string): void {
    if (nodeOfTicket(ticket) !== this.#deps.nodeId) return;
    const entry = this.#pending.get(ticket);
    // Moved here after this node gave up on it: nobody will hold it, so it leaves its room.
    if (entry === undefined || entry.abandoned) this.#deps.leave(clientId);
  }

  /** The link broke: the core refuses every resume under way (`backplane-lost`). */
  clear(): void {
    for (const entry of this.#pending.values()) clearTimeout(entry.timer);
    this.#pending.clear();
  }

  #answerChannel(ticket: string): string {
    return this.#deps.keys.nodeChannel(nodeOfTicket(ticket));
  }

  #accepted(ticket: string, holder: string, room: string): void {
    const entry = this.#pending.get(ticket);
    if (entry?.phase !== 'asked') return;
    // In no room: the state follows on the same channel.
    if (room === '') return;
    entry.phase = 'moving';
    clearTimeout(entry.timer);
    const deps = this.#deps;
    const { clientId } = entry;
    deps.channels.beginJoin(room, clientId);
    const subscribed = deps.subscribed(room);
    deps.chain(clientId, async () => {
      let reply: string[];
      try {
        await subscribed;
        const args = [deps.keys.prefix, holder, deps.nodeId, clientId, room, ticket];
        reply = await deps.command().rwMove(...args);
      } catch (error) {
        deps.logger.warn({ err: error, clientId, room }, 'session move failed');
        reply = ['failed'];
      }
      if (reply[0] !== 'ok') {
        deps.channels.refused(room, clientId);
        return this.#fail(ticket, 'resume_failed');
      }
      const [, password = '', ...members] = reply;
      deps.channels.joined(room, clientId, { password, memberIds: members.map(Number) });
      if (this.#pending.get(ticket) !== entry) return;
      entry.phase = 'moved';
      if (!entry.delivered) this.#arm(ticket, entry);
    });
  }

  #state(ticket: string, state: SessionState): void {
    const entry = this.#pending.get(ticket);
    if (entry?.delivered === true) return;
    if (entry === undefined || entry.abandoned) {
      // Nobody here waits for it: a session that moved here leaves its room.
      if (state.room !== '') this.#deps.leave(state.clientId);
      return;
    }
    entry.delivered = true;
    this.#arm(ticket, entry);
    this.#deps.feed({ type: 'resume-state', connId: entry.connId, state });
  }

  /** One timer per resume: its deadline, then how long its ticket is remembered. */
  #arm(ticket: string, entry: Pending): void {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => this.#expire(ticket), this.#deps.timeoutMs);
    entry.timer.unref();
  }

  #expire(ticket: string): void {
    const entry = this.#pending.get(ticket);
    if (entry === undefined) return;
    if (entry.delivered || entry.abandoned || entry.phase === 'asked') {
      this.#pending.delete(ticket);
      // No holder answered in time: dead, or no node has the session.
      if (!entry.delivered && !entry.abandoned) this.#refuse(entry, 'resume_failed');
      return;
    }
    // Moved here, but the state never came (the holder died after the move): it leaves.
    entry.abandoned = true;
    this.#deps.leave(entry.clientId);
    this.#refuse(entry, 'resume_failed');
    this.#arm(ticket, entry);
  }

  #fail(ticket: string, code: ErrorCode): void {
    const entry = this.#pending.get(ticket);
    if (entry === undefined || entry.abandoned || entry.delivered) return;
    clearTimeout(entry.timer);
    this.#pending.delete(ticket);
    this.#refuse(entry, code);
  }

  #refuse(entry: Pending, code: ErrorCode): void {
    this.#deps.feed({ type: 'cluster-refused', connId: entry.connId, code });
  }
}
