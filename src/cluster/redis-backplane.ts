import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ClusterInput, ClusterRequest } from '../core/cluster-types.js';
import type { ClientId, ConnId } from '../core/types.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import { BackplaneUnavailableError, type Backplane } from './backplane.js';
import {
  decodeGroupEvent,
  decodeRoomEvents,
  encodeGroupMessage,
  encodeRoomBatch,
  RedisKeys,
  roomMessage,
  roomMessageSize,
  type RoomMessage,
} from './channel-codec.js';
import { IdBlocks } from './id-blocks.js';
import { decideJoin } from './join-decision.js';
import {
  corked,
  createLinks,
  isRedisCluster,
  LINK_ROLES,
  registerNode,
  type RedisLinks,
} from './redis-links.js';
import { PublishBatches } from './publish-batches.js';
import { RoomChannels } from './room-channels.js';
import { readRoomList } from './room-list.js';
import { SenderBudget } from './sender-budget.js';
import { SessionMoves } from './session-moves.js';
import { ShardedRooms } from './sharded-rooms.js';

/** A join that keeps meeting concurrent changes is refused after this many tries. */
const MAX_JOIN_ATTEMPTS = 32;
/** The bytes of publishes a node lets wait for Redis before it takes Redis for stalled. */
const DEFAULT_MAX_PENDING_BYTES = 32 * 1024 * 1024;
/** What one client may publish per second, and in one burst (docs/cluster.md). */
const DEFAULT_SENDER_BYTES_PER_SECOND = 4 * 1024 * 1024;

/** What a {@link RedisBackplane} needs. */
export interface RedisBackplaneOptions {
  /** `redis://host:port[/db]`. */
  readonly url: string;
  /**
   * `single`: one Redis; `cluster`: a Redis Cluster (sharded pub/sub, per-slot scripts);
   * `auto` [default]: asks the server (`INFO cluster`).
   */
  readonly mode?: 'auto' | 'single' | 'cluster';
  /** Every key and channel starts with it; nodes of one cluster share it. */
  readonly prefix: string;
  readonly heartbeatMs: number;
  readonly nodeTimeoutMs: number;
  readonly idBlockSize: number;
  readonly maxRooms: number;
  readonly maxRoomMembers: number;
  readonly logger: Logger;
  /** How long `start` waits for Redis. */
  readonly connectTimeoutMs?: number;
  /** Counts messages that could not be published (Redis unreachable, or over a budget). */
  readonly onDropped?: () => void;
  /**
   * How long a publish or a heartbeat may wait for its answer before the node takes Redis for
   * stalled [half of `nodeTimeoutMs`, at least 2 s]: it then detaches its members and reports
   * not ready. Checked every heartbeat, except right after the node's own event loop was
   * blocked (the answer may be waiting, unread). Every command fails after twice this.
   */
  readonly commandTimeoutMs?: number;
  /** Bytes of publishes waiting for Redis beyond which Redis is taken for stalled [32 MiB]. */
  readonly maxPendingBytes?: number;
  /** Bytes a client may publish per second, and in one burst [4 MiB]. */
  readonly senderBytesPerSecond?: number;
}

/**
 * The Redis backplane: one Redis pub/sub channel per room is the room's sequencer; joins and
 * leaves are Lua scripts; client ids come in blocks from a counter; nodes keep a heartbeat key
 * and reap the clients of nodes whose key expired. See docs/cluster.md.
 */
export class RedisBackplane implements Backplane {
  readonly nodeId = randomUUID();
  readonly ids: IdBlocks;
  readonly #options: RedisBackplaneOptions;
  #keys: RedisKeys;
  readonly #logger: Logger;
  #links: RedisLinks;
  /** On Redis Cluster: the rooms' per-slot steps. */
  #sharded: ShardedRooms | undefined;
  /** Leaves of switching clients waiting for their event on the old room's channel. */
  readonly #leaveWaiters = new Map<string, () => void>();
  /** Dead nodes this node is reaping (Redis Cluster). */
  readonly #reaping = new Set<string>();
  readonly #channels: RoomChannels;
  readonly #subscriptions = new Map<string, Promise<unknown>>();
  readonly #budget: SenderBudget;
  /** Sessions resumed here from another node, or handed over to one (§10). */
  readonly #moves: SessionMoves;
  readonly #batches = new PublishBatches<RoomMessage>(
    (room, messages) => this.#send(this.#keys.roomChannel(room), encodeRoomBatch(messages)),
    (write) => corked(this.#links.cmd, write),
  );
  readonly #commandTimeoutMs: number;
  readonly #maxPendingBytes: number;
  /** Bytes of publishes sent and not yet answered. */
  #pendingBytes = 0;
  /** When each publish not yet answered was sent, oldest first (answers come in order). */
  #sentAt: number[] = [];
  #beatSentAt = 0;
  #lastTick = 0;
  /** A heartbeat is on its way: the next one waits rather than queue behind it. */
  #beating = false;
  /** Milliseconds between the last lag probe's publish and its arrival on the subscriber. */
  #subscriberLagMs = 0;
  /** Each client's join and leave scripts run one after another, in the order asked. */
  readonly #chains = new Map<ClientId, Promise<void>>();
  #feed: (input: ClusterInput) => void = () => undefined;
  #ready = false;
  #started = false;
  #stopping = false;
  #recovering = false;
  /** Bumped when the link breaks: answers to requests from before are dropped. */
  #epoch = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RedisBackplaneOptions) {
    this.#options = options;
    this.#keys = new RedisKeys(options.prefix);
    this.#logger = options.logger.child({ component: 'cluster', node: this.nodeId });
    this.#commandTimeoutMs = options.commandTimeoutMs ?? Math.max(2_000, options.nodeTimeoutMs / 2);
    this.#maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    const senderRate = options.senderBytesPerSecond ?? DEFAULT_SENDER_BYTES_PER_SECOND;
    this.#budget = new SenderBudget(senderRate, senderRate);
    this.#links = this.#connectLinks(false);
    this.#channels = new RoomChannels({
      feed: (input) => {
        this.#feed(input);
        if (input.type === 'room-event' && input.event.kind === 'leave') {
          this.#leaveWaiters.get(`${input.event.clientId}|${input.room}`)?.();
        }
      },
      subscribe: (room) => {
        const subscribed = this.#subscribe(this.#keys.roomChannel(room));
        subscribed.catch(() => undefined);
        this.#subscriptions.set(room, subscribed);
      },
      unsubscribe: (room) => {
        this.#subscriptions.delete(room);
        this.#unsubscribe(this.#keys.roomChannel(room)).catch(() => undefined);
      },
    });
    this.#moves = new SessionMoves({
      nodeId: this.nodeId,
      keys: this.#keys,
      command: () => this.#command(),
      publish: (channel, data) => this.#send(channel, data),
      feed: (input) => this.#feed(input),
      channels: this.#channels,
      subscribed: (room) => this.#subscriptions.get(room) ?? Promise.resolve(),
      chain: (clientId, step) => this.#chain(clientId, step),
      leave: (clientId) => this.#leave(-1, clientId),
      ready: () => this.#ready,
      sharded: () => this.#links.sharded,
      timeoutMs: this.#commandTimeoutMs,
      logger: this.#logger,
    });
    this.ids = new IdBlocks(
      options.idBlockSize,
      (size) => this.#links.cmd.incrby(this.#keys.clientIds, size),
      (error) => this.#logger.warn({ err: error }, 'cannot fetch a block of client ids'),
    );
  }

  async start(feed: (input: ClusterInput) => void): Promise<void> {
    this.#feed = feed;
    const timeoutMs = this.#options.connectTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const mode = this.#options.mode ?? 'auto';
      const detected = mode === 'auto' ? isRedisCluster(this.#options.url, timeoutMs) : undefined;
      detected?.catch(() => undefined);
      if (
        mode === 'cluster' ||
        (detected !== undefined && (await Promise.race([detected, timeout])))
      ) {
        this.#useRedisCluster();
      }
      const connected = Promise.all(LINK_ROLES.map((role) => this.#link(role).connect()));
      connected.catch(() => undefined);
      await Promise.race([connected, timeout]);
      await this.#register();
      await Promise.race([this.ids.start(), timeout]);
    } catch (error) {
      this.#stopping = true;
      for (const role of LINK_ROLES) this.#link(role).disconnect();
      const why = (error as Error).message;
      throw new BackplaneUnavailableError(
        `cannot join the cluster at ${this.#options.url}: ${why}`,
        {
          cause: error,
        },
      );
    } finally {
      clearTimeout(timer);
    }
    this.#started = true;
    this.#ready = true;
    this.#timer = setInterval(() => this.#heartbeat(), this.#options.heartbeatMs);
    this.#timer.unref();
    this.#logger.info({ prefix: this.#options.prefix }, 'joined the cluster');
  }

  ready(): boolean {
    return this.#ready;
  }

  /** Whether the backplane runs on a Redis Cluster (sharded pub/sub, per-slot scripts). */
  onRedisCluster(): boolean {
    return this.#links.sharded;
  }

  /** How far behind the subscriber connection was at the last probe, in milliseconds. */
  subscriberLagMs(): number {
    return this.#subscriberLagMs;
  }

  request(request: ClusterRequest): void {
    switch (request.op) {
      case 'publish': {
        if (request.event.kind !== 'message') return;
        // The payload is copied once, into the turn's batch (a view of what the client sent
        // until then: transports hand the core lines of buffers they never write to again).
        const message = roomMessage(request.event);
        if (!this.#admit(request.event.clientId, roomMessageSize(message))) return;
        return this.#batches.add(request.room, message);
      }
      case 'group': {
        const message = encodeGroupMessage(request.event);
        if (!this.#admit(request.event.senderId, message.length)) return;
        return this.#send(this.#keys.groupChannel, message);
      }
      case 'join':
        return this.#join(request.connId, request.clientId, request.room, request.password);
      case 'leave':
        return this.#leave(request.connId, request.clientId);
      case 'list-rooms':
        return this.#listRooms(request.connId, request.password);
      case 'unwatch':
        return this.#channels.unwatch(request.room);
      case 'resume':
        return this.#moves.ask(request.connId, request.clientId, request.token);
      case 'resume-accept':
        return this.#moves.accept(request.ticket, request.room);
      case 'resume-refuse':
        return this.#moves.refuse(request.ticket, request.code);
      case 'hand-over':
        return this.#moves.handOver(request.ticket, request.state);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    const wasReady = this.#ready;
    this.#ready = false;
    this.#stopping = true;
    // Let the leaves of the clients that just disconnected run first.
    await Promise.race([
      Promise.allSettled([...this.#chains.values()]),
      new Promise((resolve) => setTimeout(resolve, 1_000)),
    ]);
    if (wasReady) {
      try {
        const { prefix } = this.#options;
        if (this.#sharded !== undefined) await this.#sharded.deregister();
        else await this.#links.cmd.rwReapNode(prefix, this.nodeId);
        await this.#links.cmd.del(this.#keys.nodeAlive(this.nodeId));
      } catch (error) {
        this.#logger.warn({ err: error }, 'could not deregister from the cluster');
      }
    }
    await Promise.allSettled(LINK_ROLES.map((role) => this.#link(role).quit()));
    for (const role of LINK_ROLES) this.#link(role).disconnect();
  }

  /** Creates the three links and listens to them; `sharded`: on Redis Cluster. */
  #connectLinks(sharded: boolean): RedisLinks {
    const links = createLinks(this.#options.url, this.nodeId, 2 * this.#commandTimeoutMs, sharded);
    const all = [links.cmd, links.sub, links.beat];
    LINK_ROLES.forEach((role, index) => {
      const redis = all[index] as RedisLinks['cmd'];
      redis.on('error', (error: Error) => this.#logger.debug({ err: error, role }, 'redis error'));
      redis.on('close', () => this.#lost(role));
      redis.on('ready', () => this.#recover());
    });
    const message = (channel: Buffer, data: Buffer): void =>
      this.#message(channel.toString(), data);
    if (sharded) {
      links.sub.on('smessageBuffer', message);
      // A shard's subscriber connection went away: its rooms' events may have been missed.
      links.sub.on('-subscriber', () => this.#lost('subscriber'));
      links.sub.on('-node', () => this.#lost('subscriber'));
    } else {
      links.sub.on('messageBuffer', message);
    }
    return links;
  }

  /** Switches to Redis Cluster before connecting: the links, the key layout, the room steps. */
  #useRedisCluster(): void {
    for (const role of LINK_ROLES) {
      this.#link(role).removeAllListeners();
      this.#link(role).disconnect();
    }
    this.#links = this.#connectLinks(true);
    this.#keys = new RedisKeys(this.#options.prefix, true);
    const { maxRooms, maxRoomMembers } = this.#options;
    this.#sharded = new ShardedRooms({
      links: () => ({ ...this.#links, cmd: this.#command() }),
      keys: this.#keys,
      nodeId: this.nodeId,
      limits: { maxRooms, maxRoomMembers },
      leaveApplied: (room, clientId) => this.#leaveApplied(room, clientId),
    });
    this.#logger.info('the Redis is a Redis Cluster: sharded pub/sub, per-slot scripts');
  }

  #subscribe(channel: string): Promise<unknown> {
    const { sub, sharded } = this.#links;
    return sharded ? sub.ssubscribe(channel) : sub.subscribe(channel);
  }

  #unsubscribe(channel: string): Promise<unknown> {
    const { sub, sharded } = this.#links;
    return sharded ? sub.sunsubscribe(channel) : sub.unsubscribe(channel);
  }

  /** Resolves once a leave of `clientId` from `room` came through the channel; false after the command timeout. */
  #leaveApplied(room: string, clientId: ClientId): Promise<boolean> {
    const key = `${clientId}|${room}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), this.#commandTimeoutMs);
      const done = (applied: boolean): void => {
        clearTimeout(timer);
        if (this.#leaveWaiters.get(key) === waiter) this.#leaveWaiters.delete(key);
        resolve(applied);
      };
      const waiter = (): void => done(true);
      this.#leaveWaiters.set(key, waiter);
    });
  }

  #link(role: (typeof LINK_ROLES)[number]): RedisLinks['cmd'] | RedisLinks['sub'] {
    if (role === 'command') return this.#links.cmd;
    return role === 'subscriber' ? this.#links.sub : this.#links.beat;
  }

  /** A message may be published: the node is ready and it fits in its sender's byte budget. */
  #admit(sender: ClientId, bytes: number): boolean {
    if (this.#ready && this.#budget.take(sender, bytes, Date.now())) return true;
    this.#options.onDropped?.();
    return false;
  }

  /**
   * The command connection, once the batches gathered so far have been published: every other
   * command goes after them, so a node's commands reach Redis in the order they were asked.
   */
  #command(): RedisLinks['cmd'] {
    this.#batches.flush();
    return this.#links.cmd;
  }

  /**
   * Publishes within the node's bound on what waits for Redis: past that bound Redis is taken
   * for stalled, and the node detaches its members and reports not ready rather than buffer
   * without bound (docs/cluster.md, failure modes).
   */
  #send(channel: string, data: Buffer): void {
    const dropped = this.#options.onDropped;
    if (!this.#ready) {
      dropped?.();
      return;
    }
    if (this.#pendingBytes + data.length > this.#maxPendingBytes) {
      dropped?.();
      this.#stalled(`${this.#pendingBytes} bytes of publishes unanswered`);
      return;
    }
    this.#pendingBytes += data.length;
    const epoch = this.#epoch;
    this.#sentAt.push(Date.now());
    const answered = (): void => {
      this.#pendingBytes -= data.length;
      if (epoch === this.#epoch) this.#sentAt.shift();
    };
    const cmd = this.#command();
    const published = this.#links.sharded
      ? cmd.spublish(channel, data)
      : cmd.publish(channel, data);
    published.then(answered, () => {
      answered();
      dropped?.();
    });
  }

  /**
   * Called every heartbeat: Redis is taken for stalled when the oldest publish or heartbeat
   * still unanswered is older than the command timeout, unless this tick itself came late (the
   * node's own event loop was blocked, and the answers may be sitting unread).
   */
  #watch(now: number): void {
    const blocked = Math.max(2 * this.#options.heartbeatMs, this.#commandTimeoutMs / 2);
    const late = this.#lastTick > 0 && now - this.#lastTick > blocked;
    this.#lastTick = now;
    if (!this.#ready || late) return;
    const oldest = Math.min(this.#sentAt[0] ?? now, this.#beating ? this.#beatSentAt : now);
    if (now - oldest > this.#commandTimeoutMs) {
      this.#stalled(`no answer from Redis for ${now - oldest} ms`);
    }
  }

  #join(connId: ConnId, clientId: ClientId, room: string, password: string): void {
    if (!this.#ready) return this.#refuseLater(connId, 'unavailable');
    const epoch = this.#epoch;
    this.#channels.beginJoin(room, clientId);
    const subscribed = this.#subscriptions.get(room) ?? Promise.resolve();
    const { prefix, maxRooms, maxRoomMembers } = this.#options;
    const refuse = (code: ErrorCode): void => {
      this.#channels.refused(room, clientId);
      this.#feed({ type: 'cluster-refused', connId, code });
    };
    if (this.#sharded !== undefined) {
      const sharded = this.#sharded;
      return this.#chain(clientId, async () => {
        let outcome;
        try {
          await subscribed;
          outcome = await sharded.join(clientId, room, password, () => epoch === this.#epoch);
        } catch (error) {
          if (epoch !== this.#epoch) return;
          this.#logger.warn({ err: error, clientId, room }, 'join failed');
          return refuse('unavailable');
        }
        if (epoch !== this.#epoch) return;
        if (outcome.status === 'reaped') return this.#reaped();
        if (outcome.status === 'lost') return this.#stalled('a leave did not come back in time');
        if (outcome.status === 'stale') return;
        if (outcome.status === 'refused') return refuse(outcome.code);
        this.#channels.joined(room, clientId, outcome.snapshot);
      });
    }
    this.#chain(clientId, async () => {
      let reply: string[] = ['conflict'];
      try {
        await subscribed;
        // Read, decide (src/core/admission.ts), commit if nothing read has changed; else again.
        for (let attempt = 0; attempt < MAX_JOIN_ATTEMPTS; attempt += 1) {
          const view = await this.#command().rwJoinView(prefix, this.nodeId, clientId, room);
          if (epoch !== this.#epoch) return;
          const decision = decideJoin(view, password, { maxRooms, maxRoomMembers });
          if ('refusal' in decision) return refuse(decision.refusal);
          const commit = [prefix, this.nodeId, clientId, room, password, ...decision.commit];
          reply = await this.#command().rwJoinCommit(...commit);
          if (reply[0] !== 'conflict') break;
        }
      } catch (error) {
        if (epoch !== this.#epoch) return;
        this.#logger.warn({ err: error, clientId, room }, 'join failed');
        return refuse('unavailable');
      }
      if (epoch !== this.#epoch) return;
      const [status, joinedPassword = '', ...members] = reply;
      if (status === 'reaped') return this.#reaped();
      if (status !== 'ok') {
        this.#logger.warn({ clientId, room }, 'join kept conflicting; refused');
        return refuse('unavailable');
      }
      const snapshot = { password: joinedPassword, memberIds: members.map(Number) };
      this.#channels.joined(room, clientId, snapshot);
    });
  }

  #leave(connId: ConnId, clientId: ClientId): void {
    if (!this.#ready) {
      // A departed client's membership is cleaned up by the reap when the link is back.
      if (connId >= 0) this.#refuseLater(connId, 'unavailable');
      return;
    }
    const epoch = this.#epoch;
    this.#chain(clientId, async () => {
      let left: number;
      try {
        left =
          this.#sharded === undefined
            ? await this.#command().rwLeave(this.#options.prefix, this.nodeId, clientId)
            : Number(await this.#sharded.leave(clientId));
      } catch (error) {
        if (epoch !== this.#epoch || connId < 0) return;
        this.#logger.warn({ err: error, clientId }, 'leave failed');
        return this.#feed({ type: 'cluster-refused', connId, code: 'unavailable' });
      }
      // The leave event answers a live leaver; no room at all means the replica was stale.
      if (left === 0 && connId >= 0 && epoch === this.#epoch) {
        this.#feed({ type: 'cluster-refused', connId, code: 'not_in_room' });
      }
    });
  }

  #listRooms(connId: ConnId, password: string): void {
    if (!this.#ready) return this.#refuseLater(connId, 'unavailable');
    const epoch = this.#epoch;
    readRoomList(this.#command(), this.#keys, password).then(
      (rooms) => {
        if (epoch === this.#epoch) this.#feed({ type: 'room-list', connId, rooms });
      },
      () => {
        if (epoch === this.#epoch)
          this.#feed({ type: 'cluster-refused', connId, code: 'unavailable' });
      },
    );
  }

  /** Answers from a later microtask: the core is still inside the call that asked. */
  #refuseLater(connId: ConnId, code: ErrorCode): void {
    queueMicrotask(() => this.#feed({ type: 'cluster-refused', connId, code }));
  }

  #chain(clientId: ClientId, step: () => Promise<void>): void {
    const previous = this.#chains.get(clientId) ?? Promise.resolve();
    const next = previous.then(step).catch((error: unknown) => {
      this.#logger.error({ err: error, clientId }, 'cluster request failed');
    });
    this.#chains.set(clientId, next);
    void next.then(() => {
      if (this.#chains.get(clientId) === next) this.#chains.delete(clientId);
    });
  }

  #message(channel: string, message: Buffer): void {
    const room = this.#keys.roomOfChannel(channel);
    if (room !== undefined) {
      for (const event of decodeRoomEvents(message)) {
        if (event.kind === 'move') this.#moves.moved(event.clientId, event.ticket);
        this.#channels.event(room, event);
      }
      return;
    }
    if (channel === this.#keys.nodeChannel(this.nodeId)) {
      const sent = /^p\|(\d+)$/.exec(message.toString('latin1'))?.[1];
      if (sent !== undefined) this.#probed(Date.now() - Number(sent));
      else this.#moves.message(message);
      return;
    }
    if (channel === this.#keys.groupChannel) {
      const event = decodeGroupEvent(message);
      if (event !== undefined) this.#feed({ type: 'group-event', event });
    }
  }

  #register(): Promise<void> {
    const { nodeTimeoutMs } = this.#options;
    if (this.#sharded !== undefined)
      return this.#sharded.register(nodeTimeoutMs, this.ids.highest());
    return registerNode(this.#links, this.#keys, this.nodeId, nodeTimeoutMs, this.ids.highest());
  }

  /**
   * Renews this node's heartbeat key and reaps dead nodes, on the heartbeat's own connection and
   * never more than one at a time, so neither a backlog of publishes nor a stalled Redis can
   * queue heartbeats up to arrive late. Also sends the subscriber's lag probe.
   */
  #heartbeat(): void {
    const now = Date.now();
    this.#budget.sweep(now);
    this.#watch(now);
    if (!this.#ready || this.#beating) return;
    this.#beating = true;
    this.#beatSentAt = now;
    const { prefix } = this.#options;
    const timeoutMs = this.#options.nodeTimeoutMs;
    const epoch = this.#epoch;
    const beat =
      this.#sharded === undefined
        ? this.#links.beat.rwHeartbeat(prefix, this.nodeId, timeoutMs, timeoutMs / 2)
        : this.#sharded.heartbeat(timeoutMs).then((dead) => {
            this.#reapAll(dead);
            return dead === -1 ? -1 : 0;
          });
    beat.then(
      (reaped) => {
        this.#beating = false;
        if (reaped < 0 && epoch === this.#epoch) this.#reaped();
        if (reaped > 0) this.#logger.warn({ reaped }, 'removed the clients of dead nodes');
      },
      (error: unknown) => {
        this.#beating = false;
        this.#logger.debug({ err: error }, 'heartbeat failed');
      },
    );
    const probe = this.#keys.nodeChannel(this.nodeId);
    const { cmd, sharded } = this.#links;
    (sharded ? cmd.spublish(probe, `p|${now}`) : cmd.publish(probe, `p|${now}`)).catch(
      () => undefined,
    );
    if (this.ids.available() < this.#options.idBlockSize) this.ids.refill();
  }

  /**
   * Redis Cluster: takes the clients of the nodes the heartbeat found dead out of their rooms,
   * on the command connection and after the heartbeat, so a long reap never looks like a
   * heartbeat Redis does not answer.
   */
  #reapAll(dead: number | readonly string[]): void {
    if (typeof dead === 'number' || this.#sharded === undefined) return;
    for (const node of dead) {
      if (this.#reaping.has(node)) continue;
      this.#reaping.add(node);
      this.#sharded.reapNode(node).then(
        (count) => {
          this.#reaping.delete(node);
          this.#logger.warn({ node, reaped: count }, 'removed the clients of a dead node');
        },
        (error: unknown) => {
          this.#reaping.delete(node);
          this.#logger.warn(
            { err: error, node },
            'could not reap a dead node; the next heartbeat retries',
          );
        },
      );
    }
  }

  #probed(lagMs: number): void {
    this.#subscriberLagMs = lagMs;
    if (lagMs > this.#commandTimeoutMs / 2) {
      this.#logger.warn({ lagMs }, 'the subscriber connection lags behind Redis');
    }
  }

  /**
   * The other nodes took this one for dead (it stalled past the node timeout) and removed it and
   * its clients; clients that joined since would be ghosts nobody reaps. Detach everyone and
   * register again, removing whatever this node still had in rooms.
   */
  #reaped(): void {
    this.#logger.warn('this node was taken for dead and removed; detaching and registering again');
    this.#lost('registration', true);
  }

  /** Redis does not answer in time, or too much waits for it: give up on the links and retry. */
  #stalled(why: string): void {
    if (!this.#ready) return;
    this.#logger.warn({ why }, 'Redis looks stalled');
    this.#lost('stalled', true);
  }

  /**
   * One connection closed: events may have been missed, so the core drops every replica and its
   * clients leave their rooms locally (docs/cluster.md). The node is not ready until it is back.
   */
  #lost(role: string, recycleAll = false): void {
    if (!this.#started || this.#stopping || !this.#ready) return;
    this.#ready = false;
    this.#epoch += 1;
    this.#channels.clear();
    this.#subscriptions.clear();
    this.#chains.clear();
    this.#batches.clear();
    this.#moves.clear();
    this.#sentAt = [];
    this.#beating = false;
    this.#logger.warn({ role }, 'lost the Redis link; room members detached, reconnecting');
    queueMicrotask(() => this.#feed({ type: 'backplane-lost' }));
    // The other connections may still be up: recycle them so all start from a clean state (and
    // let go of whatever they still queue).
    for (const other of LINK_ROLES) {
      const redis = this.#link(other);
      // On Redis Cluster the subscriber goes too: its shards' subscriptions start afresh.
      const recycle = recycleAll || other !== role || this.#links.sharded;
      if (recycle && redis.status !== 'end') redis.disconnect(true);
    }
  }

  /** Both connections are back: re-register (and reap this node's old memberships). */
  #recover(): void {
    if (!this.#started || this.#stopping || this.#ready || this.#recovering) return;
    if (LINK_ROLES.some((role) => this.#link(role).status !== 'ready')) return;
    this.#recovering = true;
    this.#register().then(
      () => {
        this.#recovering = false;
        this.#ready = true;
        this.#logger.info('back in the cluster');
      },
      (error: unknown) => {
        this.#recovering = false;
        this.#logger.warn({ err: error }, 'could not re-register; retrying');
        setTimeout(() => {
          if (this.#links.sharded) this.#rebuildLinks();
          this.#recover();
        }, this.#options.heartbeatMs).unref();
      },
    );
  }

  /**
   * Redis Cluster: new `Cluster` links in place of the old ones, which read the slot map afresh.
   * After a failover a recycled `Cluster` can keep a sharded subscriber group that never finds
   * the promoted primary ("No sharded subscriber for slot"); fresh links do.
   */
  #rebuildLinks(): void {
    if (this.#stopping || this.#ready) return;
    for (const role of LINK_ROLES) {
      const redis = this.#link(role) as RedisLinks['cmd'];
      redis.removeAllListeners();
      redis.on('error', () => undefined);
      redis.disconnect();
    }
    this.#links = this.#connectLinks(true);
    for (const role of LINK_ROLES)
      this.#link(role)
        .connect()
        .catch(() => undefined);
  }
}
