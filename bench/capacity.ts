/**
 * The capacity model of docs/scaling.md, measured: the unit costs from bench runs that differ
 * in one factor (one process; clusters of 1 to 3 nodes on `--redis`, by default the local Redis
 * Cluster of three primaries), then the model's prediction of a run it was not fitted on (two
 * nodes, `--check-rooms` rooms), set beside that run's measured CPU.
 *
 *   npx tsc -p tsconfig.json && npm run bench:capacity [-- --rooms 10 --check-rooms 15 --redis URL]
 *
 * Every run is `chatter` with rooms of 10 at 20 Hz (64-byte messages), the workload the model is
 * stated for, at `--rooms` rooms: few enough that the nodes of a cluster, which share the
 * server's core in the bench, stay below a full core (a saturated run measures queueing, not
 * cost). Publishes are counted from Redis's own `INFO commandstats` around each cluster run.
 */
import { parseArgs } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { capacity, fitUnitCosts, predict, type Rates } from './capacity-model.js';
import type { RunLine } from './report.js';
import { runBench } from './spawn-run.js';

/** PUBLISH and SPUBLISH calls so far on every primary behind `url`. */
async function publishes(url: string): Promise<number> {
  const single = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await single.connect();
  try {
    const clustered = /cluster_enabled:1/.test(await single.info('cluster'));
    if (!clustered) return countPublishes(await single.info('commandstats'));
    const { hostname, port } = new URL(url);
    const cluster = new Cluster([{ host: hostname, port: Number(port) }]);
    try {
      // `nodes()` lists only the nodes it has connected to.
      await new Promise((resolve) => cluster.once('ready', resolve));
      const texts = await Promise.all(
        cluster.nodes('master').map((node) => node.info('commandstats')),
      );
      return texts.reduce((sum, text) => sum + countPublishes(text), 0);
    } finally {
      cluster.disconnect();
    }
  } finally {
    single.disconnect();
  }
}

function countPublishes(commandstats: string): number {
  let calls = 0;
  for (const match of commandstats.matchAll(/^cmdstat_s?publish:calls=(\d+)/gm)) {
    calls += Number(match[1]);
  }
  return calls;
}

function rates(run: RunLine, n: number, published: number): Rates {
  const { results } = run;
  const { cpuS, cpuUtil, redisCpuS = 0 } = results.server;
  const cpuWindowS = cpuUtil > 0 ? cpuS / cpuUtil : results.windowS;
  return {
    m: results.sentMessages / results.windowS,
    d: results.delivered / results.windowS,
    node: (cpuS - redisCpuS) / cpuWindowS,
    redis: redisCpuS / cpuWindowS,
    // Counted over the whole run: messages are sent in the warm-up and the window.
    p: published / (results.windowS + Number(run.flags.warmupS)),
    n,
  };
}

async function measured(args: readonly string[], n: number, redis?: string): Promise<Rates> {
  const before = redis === undefined ? 0 : await publishes(redis);
  const [run] = await runBench(args);
  if (run === undefined) throw new Error(`bench ${args.join(' ')}: no run`);
  const after = redis === undefined ? 0 : await publishes(redis);
  if (run.results.deliveryRatio < 0.99) {
    process.stderr.write(`capacity: warning: ${args.join(' ')} delivered only part\n`);
  }
  return rates(run, n, after - before);
}

const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rooms: { type: 'string', default: '10' },
      'check-rooms': { type: 'string', default: '15' },
      redis: { type: 'string', default: 'redis://127.0.0.1:7100' },
      duration: { type: 'string', default: '10' },
    },
  });
  const rooms = Number(values.rooms);
  const checkRooms = Number(values['check-rooms']);
  const { redis } = values;
  const common = ['--hz', '20', '--size', '64', '--duration', values.duration];
  const chatter = (roomCount: number, k: number): string[] => [
    'chatter',
    '--rooms',
    String(roomCount),
    '--clients',
    String(k),
    ...common,
  ];
  const cluster = (roomCount: number, nodes: number): string[] => [
    ...chatter(roomCount, 10),
    '--server',
    'cluster',
    '--nodes',
    String(nodes),
    '--redis',
    redis,
  ];
  // The same messages a second, 9 deliveries each, then 1.
  const wide = await measured([...chatter(rooms, 10), '--server', 'roomwire'], 1);
  const narrow = await measured([...chatter(rooms * 5, 2), '--server', 'roomwire'], 1);
  const clusters: Rates[] = [];
  for (const nodes of [1, 2, 3]) clusters.push(await measured(cluster(rooms, nodes), nodes, redis));
  const costs = fitUnitCosts(wide, narrow, clusters);
  // A run the model was not fitted on: more rooms, two nodes.
  const check = await measured(cluster(checkRooms, 2), 2, redis);
  const predicted = predict(costs, check);
  const error = (model: number, real: number): number => round((model - real) / real, 3);
  const table = [1, 2, 4, 8].flatMap((nodes) =>
    (nodes === 1 ? [0, 1, 3] : [1, 3, 6]).map((shards) => {
      const question = { nodes, shards, k: 10, hz: 20, utilisation: 0.7 };
      const spreadAll = capacity(costs, question);
      const spreadTwo = capacity(costs, { ...question, spread: 2 });
      return { nodes, shards, ...spreadAll, roomsOnTwoNodes: spreadTwo.rooms };
    }),
  );
  const summary = {
    kind: 'capacity',
    rooms,
    checkRooms,
    redis,
    runs: { wide, narrow, clusters, check },
    costs: Object.fromEntries(Object.entries(costs).map(([key, value]) => [key, round(value)])),
    check: {
      predictedNode: round(predicted.node),
      measuredNode: round(check.node),
      predictedRedis: round(predicted.redis),
      measuredRedis: round(check.redis),
      predictedTotal: round(predicted.node + predicted.redis),
      measuredTotal: round(check.node + check.redis),
      errorNode: error(predicted.node, check.node),
      errorRedis: error(predicted.redis, check.redis),
      errorTotal: error(predicted.node + predicted.redis, check.node + check.redis),
      publishesPerMessage: round(check.p / check.m),
    },
    table,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n\n`);
  const c = summary.costs;
  process.stdout.write(
    `unit costs (us): c_in ${c.cIn}  c_out ${c.cOut}  c_fwd ${c.cFwd}  c_dec ${c.cDec}  ` +
      `c_pub ${c.cPub}  c_sub ${c.cSub}  b ${c.b}\n`,
  );
  const k = summary.check;
  process.stdout.write(
    `check, 2 nodes, ${checkRooms} rooms on ${redis}: node CPU predicted ${k.predictedNode} ` +
      `measured ${k.measuredNode}; Redis ${k.predictedRedis} / ${k.measuredRedis}; ` +
      `total ${k.predictedTotal} / ${k.measuredTotal} (error ${(k.errorTotal * 100).toFixed(1)}%)\n\n`,
  );
  process.stdout.write(
    'nodes  shards  rooms of 10 at 20 Hz  clients  full first  rooms, each on at most 2 nodes\n',
  );
  for (const row of table) {
    process.stdout.write(
      `${String(row.nodes).padStart(5)}  ${String(row.shards).padStart(6)}  ` +
        `${String(row.rooms).padStart(20)}  ${String(row.rooms * 10).padStart(7)}  ` +
        `${row.limit.padEnd(10)}  ${String(row.roomsOnTwoNodes).padStart(30)}\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`capacity: failed: ${String(error)}\n`);
  process.exitCode = 1;
});
