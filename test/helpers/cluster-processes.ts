import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FAST_CLUSTER } from './cluster.js';

/** A Roomwire node in its own process (the built CLI), so a test can kill -9 it. */
export interface NodeProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly httpPort: number;
}

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Starts `roomwire --cluster URL --port 0` and reads its ports from its start log line. */
export function spawnNode(url: string, prefix: string): Promise<NodeProcess> {
  const { clusterHeartbeatMs, clusterNodeTimeoutMs } = FAST_CLUSTER;
  const args = [
    CLI,
    ...['--cluster', url, '--cluster-prefix', prefix, '--host', '127.0.0.1'],
    ...['--port', '0', '--http-port', '0', '--log-level', 'info'],
    ...['--cluster-heartbeat-ms', String(clusterHeartbeatMs)],
    ...['--cluster-node-timeout-ms', String(clusterNodeTimeoutMs)],
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the node did not start in time')), 15_000);
    child.once('exit', (code) => reject(new Error(`the node exited early (${code})`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number; httpPort?: number };
      if (entry.msg === 'roomwire listening on tcp and udp') {
        clearTimeout(timer);
        resolve({ child, port: entry.port as number, httpPort: entry.httpPort as number });
      }
    });
  });
}

/** A free TCP port on loopback (for a Redis of the test's own). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a throwaway redis-server on a port, keeping nothing on disk, with `extra` arguments
 * (`['--client-output-buffer-limit', 'pubsub 4mb 2mb 5']`); resolves once it answers.
 */
export async function startRedis(
  port: number,
  extra: readonly string[] = [],
): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await answersPing(port)) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer`);
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
  });
}

/** Kills a child process and waits for it to be gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** A throwaway Redis Cluster of a test's own: its processes, ports and a URL for each primary. */
export interface OwnRedisCluster {
  readonly ports: readonly number[];
  readonly children: readonly ChildProcess[];
  stop(): Promise<void>;
}

/**
 * Starts a Redis Cluster of three primaries and three replicas on free ports (each with its
 * cluster bus on another free port, `--cluster-port`), nothing on disk but the cluster config
 * files in a temp dir, with a short `cluster-node-timeout` so a replica takes over a killed
 * primary within about two seconds; resolves once every node answers `cluster_state:ok`.
 */
export async function startRedisCluster(nodeTimeoutMs = 1_000): Promise<OwnRedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'roomwire-test-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((child) => killHard(child)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const taken = new Set<number>();
    const port = async (): Promise<number> => {
      for (;;) {
        const candidate = await freePort();
        if (!taken.has(candidate)) return (taken.add(candidate), candidate);
      }
    };
    for (let index = 0; index < 6; index += 1) {
      const [client, bus] = [await port(), await port()];
      ports.push(client);
      children.push(
        spawn(
          'redis-server',
          [
            '--port',
            String(client),
            '--cluster-port',
            String(bus),
            '--bind',
            '127.0.0.1',
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${client}.conf`),
            '--cluster-node-timeout',
            String(nodeTimeoutMs),
            '--save',
            '',
            '--appendonly',
            'no',
            '--dir',
            dir,
          ],
          { stdio: 'ignore' },
        ),
      );
    }
    for (const client of ports) await until(() => answersPing(client), 10_000);
    const created = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create: ${created.stdout}${created.stderr}`);
    const ok = async (client: number): Promise<boolean> => {
      const info = spawnSync('redis-cli', ['-p', String(client), 'cluster', 'info'], {
        encoding: 'utf8',
      });
      return /cluster_state:ok/.test(info.stdout ?? '');
    };
    for (const client of ports) await until(() => ok(client), 20_000);
    // cluster_state:ok comes before every replica has attached and synced: a primary killed
    // before its replica is in sync would never be taken over.
    const synced = async (client: number): Promise<boolean> => {
      const info = spawnSync('redis-cli', ['-p', String(client), 'info', 'replication'], {
        encoding: 'utf8',
      }).stdout;
      return /role:master/.test(info)
        ? /connected_slaves:1/.test(info)
        : /master_link_status:up/.test(info);
    };
    for (const client of ports) await until(() => synced(client), 20_000);
    return { ports, children, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
