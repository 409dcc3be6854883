import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { LineClient } from '../helpers/line-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

interface Player {
  readonly client: LineClient;
  readonly id: number;
}

/** A server with these settings for one describe block, and the clients to close after it. */
function serverFor(settings: Record<string, unknown>): {
  readonly get: () => TestServer;
  readonly login: (name: string, room?: string) => Promise<Player>;
} {
  let server: TestServer | undefined;
  const open: LineClient[] = [];
  before(async () => {
    server = await startTestServer(settings);
  });
  after(async () => {
    for (const client of open) client.close();
    await server?.stop();
  });
  const get = (): TestServer => server ?? assert.fail('server not started');
  return {
    get,
    async login(name, room) {
      const player = await LineClient.login(get().port, name);
      open.push(player.client);
      if (room !== undefined) {
        player.client.send(`2:${room}`);
        while (!(await player.client.next()).startsWith('4:'));
      }
      return player;
    },
  };
}

describe('limits over TCP', { timeout: 20_000 }, () => {
  describe('with maxLineLength 1024', () => {
    const { login } = serverFor({ maxLineLength: 1024 });

    it('accepts a line of exactly maxLineLength bytes', async () => {
      const a = await login('a', 'exact');
      const b = await login('b', 'exact');
      await a.client.next();
      const payload = 'p'.repeat(1024 - '3:0:'.length);
      b.client.send(`3:0:${payload}`);
      assert.equal(await a.client.next(), `3:${b.id}:${payload}`);
    });

    it('accepts a line of maxLineLength bytes ended by CRLF, split before the newline', async () => {
      const a = await login('a', 'crlf');
      const b = await login('b', 'crlf');
      await a.client.next();
      const payload = 'q'.repeat(1024 - '3:0:'.length);
      b.client.write(`3:0:${payload}\r`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      b.client.write('\n');
      assert.equal(await a.client.next(), `3:${b.id}:${payload}`);
    });

    it('refuses a line one byte over maxLineLength even when its newline comes with it', async () => {
      const a = await login('a');
      a.client.write(`3:0:${'z'.repeat(1021)}\n`);
      assert.match(await a.client.next(), /^9:line_too_long:/);
      await a.client.waitClosed();
    });

    it('refuses a longer line with 9:line_too_long and closes before any newline is sent', async () => {
      const watcher = await login('watcher', 'long');
      const talker = await login('talker', 'long');
      assert.equal(await watcher.client.next(), `2:${talker.id}:long`);
      talker.client.write('3:0:' + 'x'.repeat(4996));
      assert.match(await talker.client.next(), /^9:line_too_long:/);
      await talker.client.waitClosed();
      assert.equal(await watcher.client.next(), `2:${talker.id}:`);
      assert.deepEqual(await watcher.client.quiet(50), []);
    });
  });

  describe('with random garbage from one client', () => {
    const { login } = serverFor({});

    it('answers garbage with error lines and keeps serving everyone else', async () => {
      const a = await login('a', 'calm');
      const b = await login('b', 'calm');
      await a.client.next();
      const garbage = await login('garbage');
      const bytes = randomBytes(6 * 1024);
      for (let index = 50; index < bytes.length; index += 50 + ((bytes[index] as number) % 50)) {
        bytes[index] = 10;
      }
      garbage.client.write(Buffer.concat([bytes, Buffer.from('\n')]));
      for (let round = 0; round < 20; round += 1) {
        a.client.send(`3:0:ping ${round}`);
        assert.equal(await b.client.next(), `3:${a.id}:ping ${round}`);
        b.client.send(`3:0:pong ${round}`);
        assert.equal(await a.client.next(), `3:${b.id}:pong ${round}`);
      }
      garbage.client.send('1');
      const deadline = Date.now() + 3000;
      while (!garbage.client.lines.some((line) => line.startsWith('1:'))) {
        assert.ok(Date.now() < deadline, 'the garbage client never got its room list');
        await garbage.client.next().catch(() => undefined);
      }
      const errors = garbage.client.lines.filter((line) => line.startsWith('9:'));
      assert.ok(errors.length > 0, 'garbage gets error lines');
      for (const line of garbage.client.lines) assert.match(line, /^[0-9]:/);
      assert.equal(garbage.client.closed, false);
      const late = await login('late');
      assert.ok(late.id > garbage.id);
    });
  });

  describe('with maxRoomMembers 2', () => {
    const { login } = serverFor({ maxRoomMembers: 2 });

    it('refuses a third member with 9:room_full and keeps it usable', async () => {
      const a = await login('a', 'pair');
      const b = await login('b', 'pair');
      const c = await login('c');
      await a.client.next();
      c.client.send('2:pair');
      assert.match(await c.client.next(), /^9:room_full:/);
      c.client.send('2:solo');
      assert.deepEqual(await c.client.nextLines(2), [`2:${c.id}:solo`, `4:${c.id}`]);
      for (const player of [a, b]) assert.deepEqual(await player.client.quiet(30), []);
    });
  });

  describe('with maxConnections 2', () => {
    const { login, get } = serverFor({ maxConnections: 2 });

    it('refuses a third connection with 9:server_full and closes it, then accepts once one left', async () => {
      const a = await login('a');
      await login('b');
      const third = await LineClient.connect(get().port);
      assert.match(await third.next(), /^9:server_full:/);
      await third.waitClosed();
      a.client.close();
      const deadline = Date.now() + 2000;
      while (get().server.view.counts().connections > 1) {
        assert.ok(Date.now() < deadline, 'the server never saw the disconnect');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const c = await login('c');
      assert.ok(c.id > a.id);
    });
  });
});
