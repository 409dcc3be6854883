/**
 * What the room list (`1`) costs Redis with many rooms (issue 15, item 12): seeds `--rooms`
 * rooms of one member each straight into Redis under a fresh prefix, in the layout of the
 * backplane (one Redis, or Redis Cluster with `--redis-cluster`), starts one node on it, and
 * has a client ask for the list `--requests` times, one after another, while a control
 * connection PINGs Redis every millisecond. Prints the list's round trip and the control
 * PING's latency (p50, p99, max) while the lists run.
 *
 *   node dist/bench/room-list.js [--redis redis://127.0.0.1:6379] [--redis-cluster]
 *     [--rooms 3000] [--requests 20]
 */
import { Cluster, Redis } from 'ioredis';
import { LineClient } from '../test/helpers/line-client.js';
import { startTestServer } from '../test/helpers/test-server.js';

interface Options {
  url: string;
  cluster: boolean;
  rooms: number;
  requests: number;
}

function parse(argv: readonly string[]): Options {
  const value = (flag: string, fallback: string): string => {
    const at = argv.indexOf(flag);
    return at >= 0 ? (argv[at + 1] ?? fallback) : fallback;
  };
  const cluster = argv.includes('--redis-cluster');
  const fallback = cluster ? 'redis://127.0.0.1:7100' : 'redis://127.0.0.1:6379';
  return {
    url: value('--redis', fallback),
    cluster,
    rooms: Number(value('--rooms', '3000')),
    requests: Number(value('--requests', '20')),
  };
}

function connect(options: Options): Redis | Cluster {
  if (!options.cluster) return new Redis(options.url);
  const { hostname, port } = new URL(options.url);
  return new Cluster([{ host: hostname, port: Number(port) }]);
}

/** One member per room, as the backplane's scripts would have left them. */
async function seed(redis: Redis | Cluster, prefix: string, options: Options): Promise<void> {
  const writes: Promise<unknown>[] = [];
  for (let index = 1; index <= options.rooms; index += 1) {
    const room = `room-${index}`;
    const base = `${prefix}:room:{${room}}`; // names that need no escaping
    writes.push(redis.zadd(`${prefix}:{rooms}:index`, index, room));
    writes.push(redis.zadd(`${base}:members`, 1, String(1_000_000 + index)));
    writes.push(redis.hset(`${base}:meta`, 'password', '', 'seq', 1, 'created', index));
    const size = options.cluster ? `${index}:1:1` : '1';
    writes.push(redis.hset(`${prefix}:{rooms}:sizes`, room, size));
    if (index % 500 === 0) await Promise.all(writes.splice(0));
  }
  writes.push(redis.set(`${prefix}:{rooms}:serial`, options.rooms));
  await Promise.all(writes);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const ms = (value: number): string => value.toFixed(2);
  return `p50 ${ms(percentile(sorted, 50))} ms, p99 ${ms(percentile(sorted, 99))} ms, max ${ms(sorted.at(-1) ?? 0)} ms (${sorted.length} samples)`;
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const prefix = `rwbench:${process.pid}`;
  const redis = connect(options);
  const control = connect(options);
  await seed(redis, prefix, options);
  const mode = options.cluster ? { clusterMode: 'cluster' } : {};
  const server = await startTestServer({ cluster: options.url, clusterPrefix: prefix, ...mode });
  const { client } = await LineClient.login(server.port, 'lister');
  let pinging = true;
  const pings: number[] = [];
  const pinger = (async () => {
    while (pinging) {
      const started = process.hrtime.bigint();
      await control.ping();
      pings.push(Number(process.hrtime.bigint() - started) / 1e6);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
  const lists: number[] = [];
  let entries = 0;
  for (let request = 0; request < options.requests; request += 1) {
    const started = process.hrtime.bigint();
    client.send('1');
    const line = await client.next(30_000);
    lists.push(Number(process.hrtime.bigint() - started) / 1e6);
    entries = line.split(',').length;
  }
  pinging = false;
  await pinger;
  console.log(
    `${options.cluster ? 'Redis Cluster' : 'one Redis'} ${options.url}, ${options.rooms} rooms:`,
  );
  console.log(`  the list (${entries} rooms): ${summary(lists)}`);
  console.log(`  control PING meanwhile: ${summary(pings)}`);
  client.close();
  await server.stop();
  const servers = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of servers) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) await redis.del(key);
    } while (cursor !== '0');
  }
  redis.disconnect();
  control.disconnect();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
