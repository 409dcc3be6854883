import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
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
