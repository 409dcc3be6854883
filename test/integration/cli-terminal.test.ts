import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exitsWithin, onPty } from '../helpers/pty.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

describe('roomwire client at a terminal', { timeout: 60_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  const start = (name: string) =>
    onPty(process.execPath, [
      MAIN,
      'client',
      ...['--port', String(server.port), '--name', name, '--room', 'lobby'],
    ]);

  for (const [key, bytes] of [
    ['Ctrl-C', '\x03'],
    ['Ctrl-D on an empty line', '\x04'],
  ] as const) {
    it(`leaves at once, exit 0, on ${key}`, async () => {
      const client = start(`key${bytes.charCodeAt(0)}`);
      await client.shown('connected; type help');
      client.type(bytes);
      assert.equal(await exitsWithin(client, 3000), 0);
    });
  }

  it('leaves at once on Ctrl-C with --raw too', async () => {
    const client = onPty(process.execPath, [
      MAIN,
      'client',
      '--raw',
      '--port',
      String(server.port),
    ]);
    await client.shown('connected; lines go');
    client.type('\x03');
    assert.equal(await exitsWithin(client, 3000), 0);
  });

  it('leaves on quit without printing another prompt', async () => {
    const client = start('quitter');
    await client.shown('connected; type help');
    client.type('quit\r');
    assert.equal(await exitsWithin(client, 3000), 0);
    const afterQuit = client.output().slice(client.output().lastIndexOf('quit'));
    assert.doesNotMatch(afterQuit, />\s*$/, `a prompt after quit: ${JSON.stringify(afterQuit)}`);
  });
});
