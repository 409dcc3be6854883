import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisKeys } from './channel-codec.js';
import {
  HEARTBEAT_SCRIPT,
  JOIN_COMMIT_SCRIPT,
  JOIN_VIEW_SCRIPT,
  LEAVE_SCRIPT,
  RAISE_IDS_KEY_SCRIPT,
  RAISE_IDS_SCRIPT,
  REAP_NODE_SCRIPT,
} from './lua-scripts.js';
import {
  CLAIM_NODE_SCRIPT,
  DROP_NODE_SCRIPT,
  FORGET_INTENT_SCRIPT,
  INTENT_SCRIPT,
  MOVE_INTENT_SCRIPT,
  REGISTER_SCRIPT,
  RELEASE_SCRIPT,
  RESERVE_SCRIPT,
  ROOM_COMMIT_SCRIPT,
  ROOM_CONFIRM_SCRIPT,
  ROOM_HOLD_SCRIPT,
  ROOM_FORGET_SCRIPT,
  ROOM_LEAVE_SCRIPT,
  ROOM_VIEW_SCRIPT,
  ROOMS_VIEW_SCRIPT,
  SHARDED_HEARTBEAT_SCRIPT,
  SIZE_SCRIPT,
} from './sharded-scripts.js';
import { MOVE_SCRIPT } from './session-moves.js';

/** The scripts, as commands defined on a connection (EVALSHA, EVAL on NOSCRIPT). */
export interface ScriptCommands {
  rwJoinView(...args: (string | number)[]): Promise<string[]>;
  rwJoinCommit(...args: (string | number)[]): Promise<string[]>;
  rwLeave(...args: (string | number)[]): Promise<number>;
  rwReapNode(...args: string[]): Promise<number>;
  rwHeartbeat(...args: (string | number)[]): Promise<number>;
  rwRaiseIds(...args: (string | number)[]): Promise<number>;
  rwMove(...args: (string | number)[]): Promise<string[]>;
}

/** The per-slot scripts of Redis Cluster (sharded-scripts.ts): keys first, then arguments. */
export interface ShardedScriptCommands {
  rwRoomView(...args: string[]): Promise<string[]>;
  rwRoomCommit(...args: string[]): Promise<string[]>;
  rwRoomHold(...args: string[]): Promise<string>;
  rwRoomConfirm(...args: string[]): Promise<string[]>;
  rwMoveIntent(...args: (string | number)[]): Promise<number>;
  rwRoomLeave(...args: (string | number)[]): Promise<[number, string, string, string, string]>;
  rwSize(...args: (string | number)[]): Promise<number>;
  rwRoomForget(...args: string[]): Promise<number>;
  rwRoomsView(...args: string[]): Promise<string[]>;
  rwReserve(...args: string[]): Promise<string[]>;
  rwRelease(...args: string[]): Promise<number>;
  rwIntent(...args: (string | number)[]): Promise<string>;
  rwForgetIntent(...args: (string | number)[]): Promise<number>;
  rwClaimNode(...args: string[]): Promise<string[]>;
  rwRegister(...args: (string | number)[]): Promise<number>;
  rwDropNode(...args: string[]): Promise<number>;
  rwShardedHeartbeat(...args: (string | number)[]): Promise<(string | number)[]>;
  rwRaiseIdsKey(...args: (string | number)[]): Promise<number>;
}

/** Script name -> [number of keys, Lua] on Redis Cluster. */
const SHARDED_SCRIPTS = {
  rwRoomView: [3, ROOM_VIEW_SCRIPT],
  rwRoomCommit: [3, ROOM_COMMIT_SCRIPT],
  rwRoomHold: [3, ROOM_HOLD_SCRIPT],
  rwRoomConfirm: [3, ROOM_CONFIRM_SCRIPT],
  rwRoomLeave: [3, ROOM_LEAVE_SCRIPT],
  rwRoomForget: [3, ROOM_FORGET_SCRIPT],
  rwRoomsView: [6, ROOMS_VIEW_SCRIPT],
  rwReserve: [6, RESERVE_SCRIPT],
  rwRelease: [6, RELEASE_SCRIPT],
  rwMoveIntent: [2, MOVE_INTENT_SCRIPT],
  rwSize: [2, SIZE_SCRIPT],
  rwIntent: [2, INTENT_SCRIPT],
  rwForgetIntent: [2, FORGET_INTENT_SCRIPT],
  rwClaimNode: [2, CLAIM_NODE_SCRIPT],
  rwRegister: [3, REGISTER_SCRIPT],
  rwDropNode: [3, DROP_NODE_SCRIPT],
  rwShardedHeartbeat: [3, SHARDED_HEARTBEAT_SCRIPT],
  rwRaiseIdsKey: [1, RAISE_IDS_KEY_SCRIPT],
} as const;

const SCRIPTS = {
  rwJoinView: JOIN_VIEW_SCRIPT,
  rwJoinCommit: JOIN_COMMIT_SCRIPT,
  rwLeave: LEAVE_SCRIPT,
  rwReapNode: REAP_NODE_SCRIPT,
  rwHeartbeat: HEARTBEAT_SCRIPT,
  rwRaiseIds: RAISE_IDS_SCRIPT,
  rwMove: MOVE_SCRIPT,
} as const;

/** One of a node's connections: to one Redis, or to a Redis Cluster (ioredis `Cluster`). */
export type Link = (Redis | Cluster) & ScriptCommands & ShardedScriptCommands;

/**
 * A node's three Redis connections: commands, scripts and publishes on `cmd`; subscriptions on
 * `sub`; the heartbeat alone on `beat`, so that no backlog of publishes can ever delay it
 * (docs/cluster.md, failure modes). On Redis Cluster each is a `Cluster`: one connection per
 * primary, and `sub` keeps one sharded subscriber connection per primary.
 */
export interface RedisLinks {
  readonly cmd: Link;
  readonly sub: Redis | Cluster;
  readonly beat: Link;
  /** On Redis Cluster: sharded pub/sub and the per-slot scripts. */
  readonly sharded: boolean;
}

/** The roles of the links, for logs and CLIENT LIST names (`roomwire:<node>:<role>`). */
export const LINK_ROLES = ['command', 'subscriber', 'heartbeat'] as const;

const OPTIONS: RedisOptions = {
  lazyConnect: true,
  // Fail fast instead of buffering without bound while Redis is away, and never replay a
  // command late after a reconnect (docs/cluster.md, failure modes).
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  autoResubscribe: false,
  retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
  // A connection given up on lets go of what it still had to write soon, not after 2 s.
  disconnectTimeout: 200,
};

/**
 * Creates (without connecting) the three connections of a node, named after it for CLIENT LIST.
 * Commands that get no answer within `commandTimeoutMs` fail (a stalled Redis).
 */
export function createLinks(
  url: string,
  nodeId: string,
  commandTimeoutMs: number,
  sharded = false,
): RedisLinks {
  const name = `roomwire:${nodeId}`;
  const connect = (role: string, extra: RedisOptions, subscriber = false): Redis | Cluster => {
    const options = { ...OPTIONS, ...extra, connectionName: `${name}:${role}` };
    if (!sharded) return new Redis(url, options);
    return new Cluster([clusterAddress(url)], clusterOptions(options, subscriber));
  };
  const scripted = (role: string, extra: RedisOptions): Link => {
    const redis = connect(role, { ...extra, commandTimeout: commandTimeoutMs }) as Link;
    for (const [command, lua] of Object.entries(SCRIPTS)) {
      redis.defineCommand(command, { numberOfKeys: 0, lua });
    }
    for (const [command, [numberOfKeys, lua]] of Object.entries(SHARDED_SCRIPTS)) {
      redis.defineCommand(command, { numberOfKeys, lua });
    }
    return redis;
  };
  // No auto-pipelining: it sends a turn's commands one turn later (its own setImmediate), and
  // never while the previous pipeline's answers are outstanding, which costs the cross-node path
  // up to a round trip per message. Each command is written when it is issued; the backplane
  // gathers a turn's publishes itself and writes them corked ({@link corked}).
  const cmd = scripted('command', {});
  const sub = connect('subscriber', {}, true);
  const beat = scripted('heartbeat', {});
  return { cmd, sub, beat, sharded };
}

/**
 * Runs `write` with the link's connections corked, so that the commands it issues leave in one
 * write per connection (per shard on Redis Cluster), in the order they were issued.
 */
export function corked(link: Redis | Cluster, write: () => void): void {
  const streams =
    link instanceof Cluster ? link.nodes('master').map((node) => node.stream) : [link.stream];
  for (const stream of streams) stream?.cork();
  try {
    write();
  } finally {
    for (const stream of streams) stream?.uncork();
  }
}

/** The first node ioredis `Cluster` asks for the slot map: the URL's host and port. */
function clusterAddress(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 6379) };
}

function clusterOptions(options: RedisOptions, subscriber: boolean): ClusterOptions {
  const { enableAutoPipelining, lazyConnect, retryStrategy, enableOfflineQueue, ...perNode } =
    options;
  return {
    lazyConnect,
    enableAutoPipelining,
    enableOfflineQueue,
    clusterRetryStrategy: retryStrategy,
    // Follow a failover's MOVED at once, but a bounded number of times.
    maxRedirections: 8,
    retryDelayOnFailover: 100,
    shardedSubscribers: subscriber,
    redisOptions: perNode,
  };
}

/** Whether the Redis at `url` is a Redis Cluster node (`INFO cluster`: `cluster_enabled:1`). */
export async function isRedisCluster(url: string, timeoutMs: number): Promise<boolean> {
  const probe = new Redis(url, {
    ...OPTIONS,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return /cluster_enabled:1/.test(await probe.info('cluster'));
  } finally {
    probe.disconnect();
  }
}

/**
 * Registers a node: removes whatever an earlier life of it left in rooms, lifts the id counter to
 * its highest id, starts its heartbeat, and subscribes to the group channel and its own channel
 * (the subscriber's lag probe).
 */
export async function registerNode(
  links: RedisLinks,
  keys: RedisKeys,
  nodeId: string,
  nodeTimeoutMs: number,
  highestId: number,
): Promise<void> {
  const { cmd, sub } = links;
  await cmd.rwReapNode(keys.prefix, nodeId);
  await cmd.rwRaiseIds(keys.prefix, Math.max(0, highestId));
  await cmd.set(keys.nodeAlive(nodeId), '1', 'PX', nodeTimeoutMs);
  await cmd.sadd(keys.nodes, nodeId);
  await sub.subscribe(keys.groupChannel, keys.nodeChannel(nodeId));
}
