import { Redis, type RedisOptions } from 'ioredis';
import type { RedisKeys } from './channel-codec.js';
import {
  HEARTBEAT_SCRIPT,
  JOIN_COMMIT_SCRIPT,
  JOIN_VIEW_SCRIPT,
  LEAVE_SCRIPT,
  LIST_SCRIPT,
  RAISE_IDS_SCRIPT,
  REAP_NODE_SCRIPT,
} from './lua-scripts.js';

/** The scripts, as commands defined on a connection (EVALSHA, EVAL on NOSCRIPT). */
export interface ScriptCommands {
  rwJoinView(...args: (string | number)[]): Promise<string[]>;
  rwJoinCommit(...args: (string | number)[]): Promise<string[]>;
  rwLeave(...args: (string | number)[]): Promise<number>;
  rwReapNode(...args: string[]): Promise<number>;
  rwHeartbeat(...args: (string | number)[]): Promise<number>;
  rwList(...args: string[]): Promise<string[]>;
  rwRaiseIds(...args: (string | number)[]): Promise<number>;
}

const SCRIPTS = {
  rwJoinView: JOIN_VIEW_SCRIPT,
  rwJoinCommit: JOIN_COMMIT_SCRIPT,
  rwLeave: LEAVE_SCRIPT,
  rwReapNode: REAP_NODE_SCRIPT,
  rwHeartbeat: HEARTBEAT_SCRIPT,
  rwList: LIST_SCRIPT,
  rwRaiseIds: RAISE_IDS_SCRIPT,
} as const;

/**
 * A node's three Redis connections: commands, scripts and publishes on `cmd`; subscriptions on
 * `sub`; the heartbeat alone on `beat`, so that no backlog of publishes can ever delay it
 * (docs/cluster.md, failure modes).
 */
export interface RedisLinks {
  readonly cmd: Redis & ScriptCommands;
  readonly sub: Redis;
  readonly beat: Redis & ScriptCommands;
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
export function createLinks(url: string, nodeId: string, commandTimeoutMs: number): RedisLinks {
  const name = `roomwire:${nodeId}`;
  const scripted = (role: string, extra: RedisOptions): Redis & ScriptCommands => {
    const redis = new Redis(url, {
      ...OPTIONS,
      ...extra,
      commandTimeout: commandTimeoutMs,
      connectionName: `${name}:${role}`,
    });
    for (const [command, lua] of Object.entries(SCRIPTS)) {
      redis.defineCommand(command, { numberOfKeys: 0, lua });
    }
    return redis as Redis & ScriptCommands;
  };
  // Commands issued in one event-loop turn (a read's many publishes) leave in one write.
  const cmd = scripted('command', { enableAutoPipelining: true });
  const sub = new Redis(url, { ...OPTIONS, connectionName: `${name}:subscriber` });
  const beat = scripted('heartbeat', {});
  return { cmd, sub, beat };
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
