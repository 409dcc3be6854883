import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, freePort, killAll, LISTENING, listeningPort, stop } from '../helpers/cli-process.js';
import { LineClient } from '../helpers/line-client.js';

const PACKAGE = new URL('../../../package.json', import.meta.url);

describe('the roomwire command', { timeout: 30_000 }, () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roomwire-cli-'));
  });
  after(async () => {
    killAll();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints usage for --help and exits 0', async () => {
    const roomwire = cli(['--help']);
    assert.equal((await roomwire.exited).code, 0);
    assert.match(roomwire.stdout(), /^Usage: roomwire/);
    assert.match(roomwire.stdout(), /--port/);
  });

  it('prints the package version for --version and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(PACKAGE, 'utf8')) as { version: string };
    const roomwire = cli(['--version']);
    assert.equal((await roomwire.exited).code, 0);
    assert.equal(roomwire.stdout(), `roomwire ${version}\n`);
  });

  it('exits non-zero naming the setting when --port is not a number', async () => {
    const roomwire = cli(['--port', 'notanumber', '--host', '127.0.0.1']);
    const { code } = await roomwire.exited;
    assert.notEqual(code, 0);
    assert.match(roomwire.stderr(), /port/);
    assert.doesNotMatch(roomwire.stdout(), new RegExp(LISTENING));
  });

  it('serves clients and, on SIGTERM, tells them 9:shutting_down and exits 0 within 3 s', async () => {
    const roomwire = cli(['--port', '0', '--host', '127.0.0.1', '--log-level', 'info']);
    const port = await listeningPort(roomwire);
    const { client, id } = await LineClient.login(port, 'cli');
    client.send('2:lobby');
    assert.deepEqual(await client.nextLines(2), [`2:${id}:lobby`, `4:${id}`]);
    const started = Date.now();
    roomwire.child.kill('SIGTERM');
    assert.match(await client.next(3000), /^9:shutting_down:/);
    await client.waitClosed(3000);
    const { code } = await roomwire.exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    client.close();
  });

  it('exits 0 on SIGTERM even when nobody reads its log output any more', async () => {
    const roomwire = cli(['--port', '0', '--host', '127.0.0.1', '--log-level', 'info']);
    await listeningPort(roomwire);
    // The log reader goes away (a crashed log shipper): stdout is now a broken pipe, and the
    // next log line ('shutting down') can only be written at exit.
    roomwire.child.stdout?.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300));
    roomwire.child.kill('SIGTERM');
    const timeout = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 5000));
    const result = await Promise.race([roomwire.exited, timeout]);
    assert.notEqual(result, 'hung', 'the process did not exit within 5 s of SIGTERM');
    assert.equal(result !== 'hung' && result.code, 0);
  });

  it('takes the port from the --config file, then ROOMWIRE_PORT, then --port', async () => {
    const [filePort, envPort, flagPort] = [await freePort(), await freePort(), await freePort()];
    const config = join(dir, 'roomwire.json');
    await writeFile(
      config,
      JSON.stringify({ host: '127.0.0.1', port: filePort, logLevel: 'info' }),
    );
    const cases: [string, readonly string[], Record<string, string>, number][] = [
      ['file', ['--config', config], {}, filePort],
      ['env over file', ['--config', config], { ROOMWIRE_PORT: String(envPort) }, envPort],
      [
        'flag over env',
        ['--config', config, '--port', String(flagPort)],
        { ROOMWIRE_PORT: String(envPort) },
        flagPort,
      ],
      ['env alone', ['--host', '127.0.0.1'], { ROOMWIRE_PORT: String(envPort) }, envPort],
      ['env config file', [], { ROOMWIRE_CONFIG: config }, filePort],
    ];
    for (const [name, args, env, expected] of cases) {
      const roomwire = cli(args, env);
      assert.equal(await listeningPort(roomwire), expected, name);
      const { client } = await LineClient.login(expected, name.replace(/ /g, '-'));
      client.close();
      assert.equal(await stop(roomwire), 0, name);
    }
  });
});
