import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/cluster.js';
import { LineClient } from '../helpers/line-client.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

describe('roomwire cluster when a node dies', { timeout: 60_000 }, () => {
  const prefix = testPrefix();
  after(() => deletePrefix(prefix));

  it('says which node died and how, restarts it on its ports, and still stops cleanly', async () => {
    const args = ['cluster', '--nodes', '2', '--redis', REDIS_URL, '--port', '0'];
    const flags = ['--http-port', '0', '--', '--cluster-prefix', prefix, '--host', '127.0.0.1'];
    const child = spawn(process.execPath, [CLI, ...args, ...flags], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const until = async (test: () => boolean, what: string): Promise<void> => {
      const deadline = Date.now() + 20_000;
      while (!test()) {
        if (Date.now() > deadline) assert.fail(`${what}; stdout:\n${stdout}\nstderr:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      await until(() => stdout.includes('2 nodes sharing'), 'the cluster never started');
      const node = /^node 1: tcp\/udp (\d+), http \d+ \(pid (\d+)\)$/m.exec(stdout);
      assert.ok(node !== null, stdout);
      const [port, pid] = [Number(node[1]), Number(node[2])];
      process.kill(pid, 'SIGKILL');
      await until(() => /restarted$/m.test(stdout), 'node 1 was never restarted');
      assert.match(stderr, new RegExp(`node 1 \\(pid ${pid}\\) was killed by SIGKILL`));
      assert.match(stderr, /restarting node 1 in 1 s/);
      assert.match(stdout, new RegExp(`^node 1: tcp/udp ${port}, .*restarted$`, 'm'));
      const { client } = await LineClient.login(port, 'back');
      client.close();
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0);
  });
});
