import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCommandLine } from './parse-command-line.js';
import { startLocalCluster } from '../server/local-cluster.js';
import {
  MAX_QUICK_DEATHS,
  RESTART_FIRST_DELAY_MS,
  RESTART_MAX_DELAY_MS,
  superviseCluster,
} from './cluster-supervisor.js';

/** The repository's script that starts a local Redis Cluster (not in the npm package). */
const ENSURE_REDIS_CLUSTER = fileURLToPath(
  new URL('../../../scripts/ensure-redis-cluster.sh', import.meta.url),
);
const REDIS_CLUSTER_URL = 'redis://127.0.0.1:7100';

const USAGE = `Usage: roomwire cluster [--nodes N] [--redis URL | --redis-cluster] [--port PORT] [--http-port PORT] [-- FLAGS...]

Starts N Roomwire processes sharing one set of rooms through Redis, on consecutive ports
(TCP/UDP PORT, PORT+1...; HTTP likewise), for trying cluster mode on one machine. Flags after
-- go to every node. Ctrl-C stops them all.

A node that dies is reported (which node, its exit code or signal) and restarted on the same
ports after ${RESTART_FIRST_DELAY_MS / 1000} s, the wait doubling with each quick death up to ${RESTART_MAX_DELAY_MS / 1000} s;
after ${MAX_QUICK_DEATHS + 1} deaths in a row the launcher stops every node and exits 1.

  --nodes N        how many processes (default 3)
  --redis URL      the Redis they share (default $ROOMWIRE_CLUSTER or redis://127.0.0.1:6379)
  --redis-cluster  share a local Redis Cluster instead (${REDIS_CLUSTER_URL}, or --redis), started
                   first by scripts/ensure-redis-cluster.sh in a checkout of the repository
                   (three primaries, three replicas on ports 7100-7105) when none answers
  --port PORT      TCP and UDP port of the first node (default 5000; 0 picks free ports)
  --http-port PORT HTTP port of the first node (default 8080; 0 picks free ports)
`;

/** `roomwire cluster`: runs a local cluster until interrupted; resolves to the exit code. */
export async function runClusterCommand(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const { values, positionals } = parseCommandLine(
    'roomwire cluster',
    argv,
    {
      nodes: { type: 'string', default: '3' },
      redis: { type: 'string' },
      'redis-cluster': { type: 'boolean' },
      port: { type: 'string', default: '5000' },
      'http-port': { type: 'string', default: '8080' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help === true) {
    io.stdout.write(USAGE);
    return 0;
  }
  const [nodes, port, httpPort] = [values.nodes, values.port, values['http-port']].map(Number);
  if (
    ![nodes, port, httpPort].every((n) => Number.isSafeInteger(n) && (n as number) >= 0) ||
    nodes === 0
  ) {
    io.stderr.write(
      `roomwire cluster: --nodes, --port and --http-port take whole numbers\n\n${USAGE}`,
    );
    return 2;
  }
  const onRedisCluster = values['redis-cluster'] === true;
  const redisUrl =
    values.redis ??
    (onRedisCluster
      ? REDIS_CLUSTER_URL
      : (process.env.ROOMWIRE_CLUSTER ?? 'redis://127.0.0.1:6379'));
  if (onRedisCluster && values.redis === undefined && existsSync(ENSURE_REDIS_CLUSTER)) {
    const started = spawnSync('bash', [ENSURE_REDIS_CLUSTER], { encoding: 'utf8' });
    io.stdout.write(started.stdout ?? '');
    io.stderr.write(started.stderr ?? '');
    if (started.status !== 0) return 1;
  }
  const options = {
    nodes: nodes as number,
    redisUrl,
    port: port as number,
    httpPort: httpPort as number,
    args: onRedisCluster ? ['--cluster-mode', 'cluster', ...positionals] : positionals,
    onOutput: (node: number, line: string) => io.stdout.write(`[node ${node}] ${line}\n`),
  };
  const cluster = await startLocalCluster(options);
  // Watching (and the Ctrl-C handler) starts before the ports are printed: whoever reads them
  // may signal at once.
  const supervised = superviseCluster(cluster, options, io);
  for (const [index, node] of cluster.entries()) {
    io.stdout.write(
      `node ${index}: tcp/udp ${node.port}, http ${node.httpPort} (pid ${node.child.pid})\n`,
    );
  }
  const shared = onRedisCluster ? `the Redis Cluster at ${redisUrl}` : redisUrl;
  io.stdout.write(`${cluster.length} nodes sharing ${shared}; Ctrl-C stops them\n`);
  return supervised;
}
