import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import type { Authenticator } from '../../src/auth/authenticator.js';
import { startTestServer, type TestServer } from './test-server.js';
import type { SocketPeer, TranscriptWorld } from './transcript.js';

/**
 * The Redis Cluster of scripts/ensure-redis-cluster.sh (three primaries, three replicas), which
 * scripts/ensure-test-deps.sh makes sure answers.
 */
export const REDIS_CLUSTER_URL =
  process.env.ROOMWIRE_TEST_REDIS_CLUSTER ?? 'redis://127.0.0.1:7100';

/**
 * The cluster tests and the contract's cluster variants run twice (scripts/run-tests.mjs): on
 * one Redis, and with `ROOMWIRE_TEST_ON_REDIS_CLUSTER=1` on the Redis Cluster.
 */
export const ON_REDIS_CLUSTER = process.env.ROOMWIRE_TEST_ON_REDIS_CLUSTER === '1';

/** The Redis the cluster tests use; scripts/ensure-test-deps.sh makes sure one answers. */
export const REDIS_URL = ON_REDIS_CLUSTER
  ? REDIS_CLUSTER_URL
  : (process.env.ROOMWIRE_TEST_REDIS ?? 'redis://127.0.0.1:6379');

/** `skip` of a test that starts a single Redis of its own: it runs in the one-Redis pass only. */
export const OWN_REDIS_ONLY = ON_REDIS_CLUSTER
  ? 'starts a single Redis of its own: run in the one-Redis pass'
  : false;

/** What the backplane runs on, for test names. */
export const BACKPLANE_NAME = ON_REDIS_CLUSTER ? 'Redis Cluster' : 'one Redis';

/** A client of the tests' Redis: one connection, or a `Cluster` on the Redis Cluster. */
export function testRedis(url: string = REDIS_URL, lazyConnect = false): Redis | Cluster {
  if (!ON_REDIS_CLUSTER || url !== REDIS_CLUSTER_URL) return new Redis(url, { lazyConnect });
  const { hostname, port } = new URL(url);
  return new Cluster([{ host: hostname, port: Number(port) }], { lazyConnect });
}

/** The room of a members key (the inverse of {@link roomMembersKey}). */
export function roomOfMembersKey(prefix: string, key: string): string {
  const tag = key.slice(`${prefix}:room:{`.length, -'}:members'.length);
  if (!ON_REDIS_CLUSTER) return tag;
  return tag.replace(/%(25|7B|7D)/g, (_escape, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}

/**
 * A room's members key as the backplane names it: on Redis Cluster `%`, `{` and `}` are
 * escaped inside the hash tag (src/cluster/channel-codec.ts).
 */
export function roomMembersKey(prefix: string, room: string): string {
  const tag = ON_REDIS_CLUSTER
    ? room.replace(/[%{}]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    : room;
  return `${prefix}:room:{${tag}}:members`;
}

/** Short heartbeats so failure tests are quick; generous against a busy 2-core machine. */
export const FAST_CLUSTER = { clusterHeartbeatMs: 200, clusterNodeTimeoutMs: 1_500 } as const;

/** A key prefix of this test run alone: `rwtest:<pid>:<random>`. */
export function testPrefix(): string {
  return `rwtest:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** Starts `count` nodes of one cluster on ephemeral loopback ports. */
export async function startCluster(
  count: number,
  prefix: string,
  settings: Record<string, unknown> = {},
  authenticator?: Authenticator,
  url: string = REDIS_URL,
): Promise<TestServer[]> {
  const nodes: TestServer[] = [];
  for (let index = 0; index < count; index += 1) {
    const values = { cluster: url, clusterPrefix: prefix, ...FAST_CLUSTER, ...settings };
    nodes.push(await startTestServer(values, authenticator));
  }
  return nodes;
}

/** Deletes every key under a prefix (on every primary of a Redis Cluster). */
export async function deletePrefix(prefix: string, url: string = REDIS_URL): Promise<void> {
  const keys = await keysUnder(prefix, url);
  if (keys.length === 0) return;
  const redis = testRedis(url, true);
  await redis.connect();
  try {
    await Promise.all(keys.map((key) => redis.del(key)));
  } finally {
    await redis.quit();
  }
}

/** Every key under a prefix, sorted (on every primary of a Redis Cluster). */
export async function keysUnder(prefix: string, url: string = REDIS_URL): Promise<string[]> {
  const redis = testRedis(url, true);
  await redis.connect();
  try {
    const servers = redis instanceof Cluster ? redis.nodes('master') : [redis];
    const keys: string[] = [];
    for (const server of servers) {
      let cursor = '0';
      do {
        const [next, found] = await server.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
    }
    return keys.sort();
  } finally {
    await redis.quit();
  }
}

/**
 * Maps the ids a cluster hands out to the transcript's (1, 2, 3 in login order), learnt from
 * each `0:<id>` answer, so the same golden transcripts check a cluster line for line.
 */
export class IdTranslation {
  readonly #toTranscript = new Map<string, string>();
  readonly #toCluster = new Map<string, string>();

  incoming(actual: string, expected: string): string {
    const login = /^0:(\d+)(?::[\w-]+)?$/.exec(actual);
    const wanted = /^0:(\d+)(?::[\w-]+)?$/.exec(expected);
    if (login !== null && wanted !== null) {
      this.#toTranscript.set(login[1] as string, wanted[1] as string);
      this.#toCluster.set(wanted[1] as string, login[1] as string);
    }
    return actual.replace(
      /^([0234]):(\d+)/,
      (_whole, type: string, id: string) => `${type}:${this.#toTranscript.get(id) ?? id}`,
    );
  }

  outgoing(data: Buffer): Buffer {
    const text = data.toString('utf8');
    const group = /^5:([^:]*)((?::[^:]*)*)$/.exec(text);
    if (group === null) return data;
    const ids = (group[2] as string)
      .split(':')
      .slice(1)
      .map((id) => this.#toCluster.get(id) ?? id);
    return Buffer.from([`5:${group[1] as string}`, ...ids].join(':'));
  }
}

/** A transcript world of `count` nodes: the transcript's clients take turns over the nodes. */
export async function clusterWorld(
  count: number,
  settings: Record<string, unknown>,
  authenticator: Authenticator | undefined,
  connect: (port: number) => Promise<SocketPeer>,
): Promise<TranscriptWorld> {
  const prefix = testPrefix();
  const nodes = await startCluster(count, prefix, settings, authenticator);
  return {
    connect: (index) => connect((nodes[index % nodes.length] as TestServer).port),
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
      await deletePrefix(prefix);
    },
    ids: new IdTranslation(),
  };
}

/**
 * `count` room names whose keys live on different shards of the Redis Cluster (on one Redis,
 * just `count` names), found with `CLUSTER KEYSLOT` and the cluster's slot ranges.
 */
export async function roomsOnDifferentShards(
  prefix: string,
  count: number,
  url: string = REDIS_URL,
  onRedisCluster = ON_REDIS_CLUSTER,
): Promise<string[]> {
  return (await roomShards(prefix, count, url, onRedisCluster)).map(([room]) => room);
}

/**
 * {@link roomsOnDifferentShards} with the primary (`host:port`) that owns each room's slot.
 */
export async function roomShards(
  prefix: string,
  count: number,
  url: string = REDIS_URL,
  onRedisCluster = ON_REDIS_CLUSTER,
): Promise<[room: string, primary: string][]> {
  if (!onRedisCluster) return Array.from({ length: count }, (_, index) => [`shard-${index}`, '']);
  const { hostname, port } = new URL(url);
  const redis = new Cluster([{ host: hostname, port: Number(port) }], { lazyConnect: true });
  await redis.connect();
  try {
    const ranges = await redis.cluster('SLOTS');
    const owner = (slot: number): string => {
      const range = ranges.find(([first, last]) => slot >= first && slot <= last);
      return range === undefined ? '' : `${range[2]?.[0]}:${range[2]?.[1]}`;
    };
    const rooms = new Map<string, string>();
    for (let index = 0; rooms.size < count && index < 1_000; index += 1) {
      const room = `shard-${index}`;
      const slot = Number(await redis.cluster('KEYSLOT', roomMembersKey(prefix, room)));
      if (!rooms.has(owner(slot))) rooms.set(owner(slot), room);
    }
    if (rooms.size < count) throw new Error(`fewer than ${count} shards answer`);
    return [...rooms].map(([primary, room]) => [room, primary]);
  } finally {
    await redis.quit();
  }
}
