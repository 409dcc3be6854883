import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ClusterInput, ClusterRequest } from '../core/cluster-types.js';
import type { ClientId, ConnId } from '../core/types.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import { BackplaneUnavailableError, type Backplane } from './backplane.js';
import {
  decodeGroupEvent,
  decodeRoomEvent,
  encodeGroupMessage,
  encodeRoomMessage,
  RedisKeys,
} from './channel-codec.js';
import { IdBlocks } from './id-blocks.js';
import { createLinks, heartbeat, registerNode, type RedisLinks } from './redis-links.js';
import { RoomChannels } from './room-channels.js';

/** What a {@link RedisBackplane} needs. */
export interface RedisBackplaneOptions {
  /** `redis://host:port[/db]`. */
  readonly url: string;
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
  /** Counts messages that could not be published (Redis unreachable). */
  readonly onDropped?: () => void;
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
  readonly #keys: RedisKeys;
  readonly #logger: Logger;
  readonly #links: RedisLinks;
  readonly #channels: RoomChannels;
  readonly #subscriptions = new Map<string, Promise<unknown>>();
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
    this.#links = createLinks(options.url, this.nodeId);
    const { cmd, sub } = this.#links;
    for (const [role, redis] of [
      ['command', cmd],
      ['subscriber', sub],
    ] as const) {
      redis.on('error', (error: Error) => this.#logger.debug({ err: error, role }, 'redis error'));
      redis.on('close', () => this.#lost(role));
      redis.on('ready', () => this.#recover());
    }
    sub.on('messageBuffer', (channel: Buffer, message: Buffer) =>
      this.#message(channel.toString(), message),
    );
    this.#channels = new RoomChannels({
      feed: (input) => this.#feed(input),
      subscribe: (room) => {
        const subscribed = sub.subscribe(this.#keys.roomChannel(room));
        subscribed.catch(() => undefined);
        this.#subscriptions.set(room, subscribed);
      },
      unsubscribe: (room) => {
        this.#subscriptions.delete(room);
        sub.unsubscribe(this.#keys.roomChannel(room)).catch(() => undefined);
      },
    });
    this.ids = new IdBlocks(
      options.idBlockSize,
      (size) => cmd.incrby(this.#keys.clientIds, size),
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
      const connected = Promise.all([this.#links.cmd.connect(), this.#links.sub.connect()]);
      connected.catch(() => undefined);
      await Promise.race([connected, timeout]);
      await this.#register();
      await Promise.race([this.ids.start(), timeout]);
    } catch (error) {
      this.#stopping = true;
      this.#links.cmd.disconnect();
      this.#links.sub.disconnect();
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

  request(request: ClusterRequest): void {
    switch (request.op) {
      case 'publish':
        if (request.event.kind !== 'message') return;
        return this.#publish(
          this.#keys.roomChannel(request.room),
          encodeRoomMessage(request.event),
        );
      case 'group':
        return this.#publish(this.#keys.groupChannel, encodeGroupMessage(request.event));
      case 'join':
        return this.#join(request.connId, request.clientId, request.room, request.password);
      case 'leave':
        return this.#leave(request.connId, request.clientId);
      case 'list-rooms':
        return this.#listRooms(request.connId, request.password);
      case 'unwatch':
        return this.#channels.unwatch(request.room);
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
        await this.#links.cmd.rwReapNode(prefix, this.nodeId);
        await this.#links.cmd.del(this.#keys.nodeAlive(this.nodeId));
      } catch (error) {
        this.#logger.warn({ err: error }, 'could not deregister from the cluster');
      }
    }
    await Promise.allSettled([this.#links.cmd.quit(), this.#links.sub.quit()]);
    this.#links.cmd.disconnect();
    this.#links.sub.disconnect();
  }

  #publish(channel: string, data: Buffer): void {
    if (!this.#ready) {
      this.#options.onDropped?.();
      return;
    }
    this.#links.cmd.publish(channel, data).catch(() => this.#options.onDropped?.());
  }

  #join(connId: ConnId, clientId: ClientId, room: string, password: string): void {
    if (!this.#ready) return this.#refuseLater(connId, 'unavailable');
    const epoch = this.#epoch;
    this.#channels.beginJoin(room, clientId);
    const subscribed = this.#subscriptions.get(room) ?? Promise.resolve();
    const { prefix, maxRooms, maxRoomMembers } = this.#options;
    this.#chain(clientId, async () => {
      let reply: string[];
      try {
        await subscribed;
        reply = await this.#links.cmd.rwJoin(
          ...[prefix, this.nodeId, clientId, room, password, maxRooms, maxRoomMembers],
        );
      } catch (error) {
        if (epoch !== this.#epoch) return;
        this.#logger.warn({ err: error, clientId, room }, 'join failed');
        this.#channels.refused(room, clientId);
        return this.#feed({ type: 'cluster-refused', connId, code: 'unavailable' });
      }
      if (epoch !== this.#epoch) return;
      const [status = '', second = '', ...members] = reply;
      if (status !== 'ok') {
        this.#channels.refused(room, clientId);
        return this.#feed({ type: 'cluster-refused', connId, code: second as ErrorCode });
      }
      this.#channels.joined(room, clientId, { password: second, memberIds: members.map(Number) });
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
        left = await this.#links.cmd.rwLeave(this.#options.prefix, this.nodeId, clientId);
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
    this.#links.cmd.rwList(this.#options.prefix, password).then(
      (flat) => {
        if (epoch !== this.#epoch) return;
        const rooms = [];
        for (let index = 0; index + 1 < flat.length; index += 2) {
          rooms.push({ name: flat[index] as string, memberCount: Number(flat[index + 1]) });
        }
        this.#feed({ type: 'room-list', connId, rooms });
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
    if (channel === this.#keys.groupChannel) {
      const event = decodeGroupEvent(message);
      if (event !== undefined) this.#feed({ type: 'group-event', event });
      return;
    }
    const room = this.#keys.roomOfChannel(channel);
    const event = room === undefined ? undefined : decodeRoomEvent(message);
    if (room !== undefined && event !== undefined) this.#channels.event(room, event);
  }

  #register(): Promise<void> {
    const { nodeTimeoutMs } = this.#options;
    return registerNode(this.#links, this.#keys, this.nodeId, nodeTimeoutMs, this.ids.highest());
  }

  #heartbeat(): void {
    if (!this.#ready) return;
    heartbeat(this.#links, this.#keys, this.nodeId, this.#options.nodeTimeoutMs).then(
      (reaped) => {
        if (reaped > 0) this.#logger.warn({ reaped }, 'removed the clients of dead nodes');
      },
      (error: unknown) => this.#logger.debug({ err: error }, 'heartbeat failed'),
    );
    if (this.ids.available() < this.#options.idBlockSize) this.ids.refill();
  }

  /**
   * One connection closed: events may have been missed, so the core drops every replica and its
   * clients leave their rooms locally (docs/cluster.md). The node is not ready until it is back.
   */
  #lost(role: string): void {
    if (!this.#started || this.#stopping || !this.#ready) return;
    this.#ready = false;
    this.#epoch += 1;
    this.#channels.clear();
    this.#subscriptions.clear();
    this.#chains.clear();
    this.#logger.warn({ role }, 'lost the Redis link; room members detached, reconnecting');
    queueMicrotask(() => this.#feed({ type: 'backplane-lost' }));
    // The other connection may still be up: recycle it so both start from a clean state.
    const other = role === 'command' ? this.#links.sub : this.#links.cmd;
    if (other.status === 'ready') other.disconnect(true);
  }

  /** Both connections are back: re-register (and reap this node's old memberships). */
  #recover(): void {
    if (!this.#started || this.#stopping || this.#ready || this.#recovering) return;
    if (this.#links.cmd.status !== 'ready' || this.#links.sub.status !== 'ready') return;
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
        setTimeout(() => this.#recover(), this.#options.heartbeatMs).unref();
      },
    );
  }
}
