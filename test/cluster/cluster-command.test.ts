import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  deletePrefix,
  keysUnder,
  ON_REDIS_CLUSTER,
  REDIS_URL,
  testPrefix,
} from '../helpers/cluster.js';
import { LineClient } from '../helpers/line-client.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/**
 * Starts `roomwire cluster` with two nodes on free ports (on the Redis Cluster with
 * `--redis-cluster`, which starts, here finds, the local one itself); resolves with the ports
 * and the "sharing" line it printed.
 */
async function launch(prefix: string): Promise<{
  child: ChildProcess;
  exited: Promise<number | null>;
  ports: number[];
  sharing: string;
}> {
  const redis = !ON_REDIS_CLUSTER
    ? ['--redis', REDIS_URL]
    : REDIS_URL === 'redis://127.0.0.1:7100'
      ? ['--redis-cluster']
      : ['--redis-cluster', '--redis', REDIS_URL];
  const args = ['cluster', '--nodes', '2', ...redis, '--port', '0', '--http-port', '0'];
  const child = spawn(process.execPath, [CLI, ...args, '--', '--cluster-prefix', prefix], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ports: number[] = [];
  let sharing = '';
  await new Promise<void>((resolve, reject) => {
    child.once('exit', () => reject(new Error('roomwire cluster exited')));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const node = /^node \d+: tcp\/udp (\d+), http \d+/.exec(line);
      if (node !== null) ports.push(Number(node[1]));
      if (line.startsWith('2 nodes sharing')) {
        sharing = line;
        resolve();
      }
    });
  });
  return { child, exited, ports, sharing };
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('roomwire cluster', { timeout: 60_000 }, () => {
  const prefix = testPrefix();
  after(() => deletePrefix(prefix));

  it('starts nodes sharing rooms on the ports it prints, and stops them all on SIGINT', async () => {
    const { child, exited, ports, sharing } = await launch(prefix);
    const [first, second] = ports as [number, number];
    const shared = ON_REDIS_CLUSTER ? `the Redis Cluster at ${REDIS_URL}` : REDIS_URL;
    assert.equal(sharing, `2 nodes sharing ${shared}; Ctrl-C stops them`);
    const a = await LineClient.login(first, 'a');
    const b = await LineClient.login(second, 'b');
    a.client.send('2:shared');
    assert.deepEqual(await a.client.nextLines(2, 5_000), [`2:${a.id}:shared`, `4:${a.id}`]);
    b.client.send('2:shared');
    assert.equal(await a.client.next(5_000), `2:${b.id}:shared`);
    a.client.close();
    b.client.close();

    child.kill('SIGINT');
    assert.equal(await exited, 0);
    // The nodes deregistered: only the counters are left under the prefix.
    const keys = await keysUnder(prefix);
    assert.deepEqual(keys, [`${prefix}:ids`, `${prefix}:{rooms}:serial`]);
  });

  it('takes its nodes with it when it is killed with SIGKILL', async () => {
    const { child, exited, ports } = await launch(`${prefix}:kill`);
    assert.deepEqual(await Promise.all(ports.map(listens)), [true, true]);
    child.kill('SIGKILL');
    assert.equal(await exited, null);
    // Each node sees its IPC channel to the launcher close and stops gracefully.
    const deadline = Date.now() + 10_000;
    let open = ports;
    while (open.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const answers = await Promise.all(open.map(listens));
      open = open.filter((_, index) => answers[index]);
    }
    assert.deepEqual(open, [], 'nodes still listening 10 s after their launcher was killed');
  });
});
