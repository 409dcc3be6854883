import { Redis, type RedisOptions } from 'ioredis';
import type { RedisKeys } from './channel-codec.js';
import {
  JOIN_SCRIPT,
  LEAVE_SCRIPT,
  LIST_SCRIPT,
  RAISE_IDS_SCRIPT,
  REAP_DEAD_SCRIPT,
  REAP_NODE_SCRIPT,
} from './lua-scripts.js';

/** The scripts, as commands defined on the command connection (EVALSHA, EVAL on NOSCRIPT). */
export interface ScriptCommands {
  rwJoin(...args: (string | number)[]): Promise<string[]>;
  rwLeave(...args: (string | number)[]): Promise<number>;
  rwReapNode(...args: string[]): Promise<number>;
  rwReapDead(...args: string[]): Promise<number>;
  rwList(...args: string[]): Promise<string[]>;
  rwRaiseIds(...args: (string | number)[]): Promise<number>;
}

const SCRIPTS = {
  rwJoin: JOIN_SCRIPT,
  rwLeave: LEAVE_SCRIPT,
  rwReapNode: REAP_NODE_SCRIPT,
  rwReapDead: REAP_DEAD_SCRIPT,
  rwList: LIST_SCRIPT,
  rwRaiseIds: RAISE_IDS_SCRIPT,
} as const;

/** A node's two Redis connections: commands and scripts on one, subscriptions on the other. */
export interface RedisLinks {
  readonly cmd: Redis & ScriptCommands;
  readonly sub: Redis;
}

const OPTIONS: RedisOptions = {
  lazyConnect: true,
  // Fail fast instead of buffering without bound while Redis is away, and never replay a
  // command late after a reconnect (docs/cluster.md, failure modes).
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  autoResubscribe: false,
  retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
  // Commands issued in one event-loop turn (a read's many publishes) leave in one write.
  enableAutoPipelining: true,
};

/** Creates (without connecting) the two connections of a node, named after it for CLIENT LIST. */
export function createLinks(url: string, nodeId: string): RedisLinks {
  const name = `roomwire:${nodeId}`;
  const cmd = new Redis(url, { ...OPTIONS, connectionName: `${name}:command` });
  for (const [command, lua] of Object.entries(SCRIPTS)) {
    cmd.defineCommand(command, { numberOfKeys: 0, lua });
  }
  const sub = new Redis(url, { ...OPTIONS, connectionName: `${name}:subscriber` });
  return { cmd: cmd as Redis & ScriptCommands, sub };
}

/**
 * Registers a node: removes whatever an earlier life of it left in rooms, lifts the id counter to
 * its highest id, starts its heartbeat, and subscribes to the group channel.
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
  await sub.subscribe(keys.groupChannel);
}

/** Renews a node's heartbeat, then reaps the dead nodes; resolves to the clients removed. */
export async function heartbeat(
  links: RedisLinks,
  keys: RedisKeys,
  nodeId: string,
  nodeTimeoutMs: number,
): Promise<number> {
  await links.cmd.set(keys.nodeAlive(nodeId), '1', 'PX', nodeTimeoutMs);
  return links.cmd.rwReapDead(keys.prefix);
}
