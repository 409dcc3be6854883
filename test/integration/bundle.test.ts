import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { listening, type Cli } from '../helpers/cli-process.js';
import { LineClient } from '../helpers/line-client.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('the one-file deploy', { timeout: 120_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'roomwire-bundle-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('runs from roomwire.mjs alone in an empty folder: a login, the demo page, /metrics', async () => {
    const built = spawnSync(process.execPath, ['scripts/bundle.mjs', join(work, 'out.mjs')], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(built.status, 0, built.stderr);
    const dir = join(work, 'empty');
    spawnSync('mkdir', [dir]);
    copyFileSync(join(work, 'out.mjs'), join(dir, 'roomwire.mjs'));
    assert.deepEqual(readdirSync(dir), ['roomwire.mjs']);
    const child = spawn(
      process.execPath,
      ['roomwire.mjs', '--host', '127.0.0.1', '--port', '0', '--http-port', '0'],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', ROOMWIRE_ASSETS_DIR: join(work, 'assets') },
        stdio: 'pipe',
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const roomwire: Cli = { child, stdout: () => stdout, stderr: () => stderr, exited };
    try {
      const { port, httpPort } = await listening(roomwire, 15_000);
      const { client, id } = await LineClient.login(port, 'alice');
      assert.ok(id >= 1);
      client.close();
      const demo = await fetch(`http://127.0.0.1:${httpPort}/`);
      assert.equal(demo.status, 200);
      assert.match(await demo.text(), /<html/);
      const script = await fetch(`http://127.0.0.1:${httpPort}/roomwire-client.js`);
      assert.equal(script.status, 200);
      const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      assert.match(metrics, /^roomwire_connections_opened_total|roomwire_/m);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal((await exited).code, 0, stderr);
  });
});
