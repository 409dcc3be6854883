import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addUser, UsersFileAuthenticator } from '../../src/auth/users-file.js';
import { LineClient } from '../helpers/line-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** scrypt cost for tests: fast, still a real hash. */
const FAST = { cost: 1024 } as const;
const LOGGED_IN = /^0:(\d+)(?::[\w-]+)?$/;

describe('logins checked against a users file', { timeout: 20_000 }, () => {
  let dir: string;
  let file: string;
  let server: TestServer;
  const open: LineClient[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roomwire-auth-'));
    file = join(dir, 'users.json');
    await addUser(file, 'alice', 'secret', FAST);
    server = await startTestServer({}, await UsersFileAuthenticator.open(file));
  });
  after(async () => {
    for (const client of open) client.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function connect(): Promise<LineClient> {
    const client = await LineClient.connect(server.port);
    open.push(client);
    return client;
  }

  it('logs in with the right password', async () => {
    const client = await connect();
    client.send('0:alice:secret');
    assert.match(await client.next(), LOGGED_IN);
  });

  it('refuses a wrong password with 9:auth_failed and keeps the connection usable', async () => {
    const client = await connect();
    client.send('0:alice:guess');
    assert.match(await client.next(), /^9:auth_failed:/);
    client.send('1');
    assert.match(await client.next(), /^9:not_logged_in:/);
    client.send('0:alice:secret');
    assert.match(await client.next(), LOGGED_IN);
  });

  it('refuses an unknown user like a wrong password', async () => {
    const client = await connect();
    client.send('0:mallory:secret');
    assert.match(await client.next(), /^9:auth_failed:/);
    assert.equal(client.closed, false);
  });

  it('closes the connection after the third failed login', async () => {
    const client = await connect();
    for (const guess of ['one', 'two']) {
      client.send(`0:alice:${guess}`);
      assert.match(await client.next(), /^9:auth_failed:/);
    }
    client.send('0:alice:three');
    assert.match(await client.next(), /^9:auth_failed:/);
    assert.match(await client.next(), /^9:too_many_auth_failures:/);
    await client.waitClosed();
    assert.deepEqual(client.lines.slice(4), []);
  });

  it('holds commands pipelined behind a login until it is accepted', async () => {
    const client = await connect();
    client.write('0:alice:secret\n2:after-login\n3:1:hello\n');
    const id = Number(LOGGED_IN.exec(await client.next())?.[1]);
    assert.deepEqual(await client.nextLines(3), [
      `2:${id}:after-login`,
      `4:${id}`,
      `3:${id}:hello`,
    ]);
  });

  it('refuses commands pipelined behind a failed login', async () => {
    const client = await connect();
    client.write('0:alice:wrong\n2:sneaky\n');
    assert.match(await client.next(), /^9:auth_failed:/);
    assert.match(await client.next(), /^9:not_logged_in:/);
  });

  it('refuses commands past the pending limit while a login is checked', async () => {
    const client = await connect();
    // The default limit is 64 commands; the 6 after them are refused at once.
    client.write(`0:alice:secret\n${'1\n'.repeat(70)}`);
    const lines = await client.nextLines(71);
    assert.deepEqual(lines.slice(0, 6), Array(6).fill(lines[0]));
    assert.match(lines[0] ?? '', /^9:too_many_pending:/);
    assert.match(lines[6] ?? '', LOGGED_IN);
    assert.ok(lines.slice(7).every((line) => line.startsWith('1:')));
  });

  it('accepts a user added to the file while the server runs', async () => {
    await addUser(file, 'bob', 'hunter2', FAST);
    const client = await connect();
    client.send('0:bob:hunter2');
    assert.match(await client.next(), LOGGED_IN);
  });
});
