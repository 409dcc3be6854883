import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SETTING_HELP } from '../../src/cli/server-help.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import { cli, freePort, killAll, listening, stop } from '../helpers/cli-process.js';
import { exitsWithin, onPty } from '../helpers/pty.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

describe('roomwire, as a new user meets it', { timeout: 60_000 }, () => {
  after(() => killAll());

  it('describes every option in --help, in groups', async () => {
    const roomwire = cli(['--help']);
    assert.equal((await roomwire.exited).code, 0);
    const help = roomwire.stdout();
    for (const group of ['Network:', 'Limits:', 'Auth:', 'Admin:', 'Cluster:', 'Logging:']) {
      assert.ok(help.includes(`\n${group}\n`), `no ${group} group`);
    }
    for (const setting of Object.keys(DEFAULTS)) {
      assert.ok(setting in SETTING_HELP, `no --help description for ${setting}`);
    }
    assert.match(help, /--log-format FORMAT +json or pretty/);
    assert.match(help, /--port N +TCP and UDP port/);
  });

  it('says what was wrong with an unknown flag, suggests the nearest and exits 2', async () => {
    const roomwire = cli(['--prot', '5000']);
    assert.equal((await roomwire.exited).code, 2);
    assert.equal(
      roomwire.stderr(),
      'roomwire: unknown option --prot (did you mean --port?); see roomwire --help\n',
    );
  });

  it('says so in one line when a flag lacks its value', async () => {
    const roomwire = cli(['--host', '127.0.0.1', '--port']);
    assert.equal((await roomwire.exited).code, 2);
    assert.equal(roomwire.stderr(), 'roomwire: --port needs a value; see roomwire --help\n');
  });

  for (const listener of ['tcp', 'udp', 'http'] as const) {
    it(`names the ${listener.toUpperCase()} port, the address and the flag when it is taken`, async () => {
      const port = await freePort();
      let release: () => Promise<unknown>;
      if (listener === 'udp') {
        const socket = dgram.createSocket('udp4');
        await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
        release = () => new Promise((resolve) => socket.close(() => resolve(undefined)));
      } else {
        const server = net.createServer();
        await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
        release = () => new Promise((resolve) => server.close(resolve));
      }
      try {
        const flags =
          listener === 'http'
            ? ['--port', '0', '--http-port', String(port)]
            : ['--port', String(port)];
        const roomwire = cli(['--host', '127.0.0.1', ...flags]);
        assert.equal((await roomwire.exited).code, 1);
        const flag = listener === 'http' ? '--http-port' : '--port';
        assert.equal(
          roomwire.stderr(),
          `roomwire: ${listener.toUpperCase()} port ${port} on 127.0.0.1 is already in use ` +
            `(another roomwire?): choose another with ${flag}` +
            `${listener === 'http' ? '' : ' (TCP and UDP share it)'}\n`,
        );
      } finally {
        await release();
      }
    });
  }

  it('logs JSON lines when stdout is not a terminal, and pretty lines when asked', async () => {
    const json = cli(['--host', '127.0.0.1', '--port', '0']);
    await listening(json);
    assert.ok(json.stdout().split('\n')[0]?.startsWith('{'));
    assert.equal(await stop(json), 0);
    const pretty = cli(['--host', '127.0.0.1', '--port', '0', '--log-format', 'pretty']);
    const deadline = Date.now() + 5000;
    while (!pretty.stdout().includes('Press Ctrl-C') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const out = pretty.stdout();
    assert.match(out, /^\d\d:\d\d:\d\d INFO {2}/m);
    assert.doesNotMatch(out, /^\{/m);
    const httpPort = /dashboard +http:\/\/127\.0\.0\.1:(\d+)\/admin/.exec(out)?.[1];
    assert.ok(httpPort !== undefined, out);
    assert.match(out, new RegExp(`demo page +http://127.0.0.1:${httpPort}/\n`));
    assert.match(out, new RegExp(`metrics +http://127.0.0.1:${httpPort}/metrics\n`));
    assert.equal(await stop(pretty), 0);
  });

  it('says where it listens in plain words on a terminal, and stops on Ctrl-C', async () => {
    const roomwire = onPty(process.execPath, [
      MAIN,
      ...['--host', '127.0.0.1', '--port', '0', '--http-port', '0'],
    ]);
    await roomwire.shown('Press Ctrl-C to stop.');
    assert.match(roomwire.output(), /game clients \(TCP and UDP\) +127\.0\.0\.1:\d+/);
    assert.doesNotMatch(roomwire.output(), /\{"level"/);
    roomwire.type('\x03');
    assert.equal(await exitsWithin(roomwire, 5000), 0);
  });
});
