import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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

describe('roomwire cluster', { timeout: 60_000 }, () => {
  const prefix = testPrefix();
  after(() => deletePrefix(prefix));

  it('starts nodes sharing rooms on the ports it prints, and stops them all on SIGINT', async () => {
    // On the Redis Cluster: `--redis-cluster`, which starts (here: finds) the local one itself.
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
      createInterface({ input: child.stdout }).on('line', (line) => {
        const node = /^node \d+: tcp\/udp (\d+), http \d+/.exec(line);
        if (node !== null) ports.push(Number(node[1]));
        if (line.startsWith('2 nodes sharing')) {
          sharing = line;
          resolve();
        }
      });
    });
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
});
