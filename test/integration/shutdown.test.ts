import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineClient } from '../helpers/line-client.js';
import { startTestServer } from '../helpers/test-server.js';
import { WsLineClient } from '../helpers/ws-line-client.js';

describe('graceful shutdown', () => {
  it('tells every client 9:shutting_down before any departure, then closes them all', async () => {
    const server = await startTestServer();
    const players = [];
    for (const name of ['first', 'second', 'third']) {
      const player = await LineClient.login(server.port, name);
      player.client.send('2:lobby');
      while (!(await player.client.next()).startsWith('4:'));
      players.push(player);
    }
    await players[0]?.client.nextLines(2);
    await players[1]?.client.nextLines(1);
    const stopped = server.stop();
    for (const { client } of players) {
      assert.match(await client.next(), /^9:shutting_down:/);
      await client.waitClosed();
      assert.deepEqual(await client.quiet(0), []);
    }
    await stopped;
  });

  it('stops within the grace period even when a client never reads', async () => {
    const server = await startTestServer({ shutdownGraceMs: 300, closeFlushMs: 5000 });
    const { client } = await LineClient.login(server.port, 'stuck');
    client.socket.pause();
    const started = Date.now();
    await server.stop();
    assert.ok(Date.now() - started < 2000, `stop took ${Date.now() - started} ms`);
    client.close();
  });

  it('stops accepting at once: a new connection is refused or told 9:shutting_down', async () => {
    const server = await startTestServer({ shutdownGraceMs: 1000 });
    const { client: stays } = await LineClient.login(server.port, 'stays');
    const stopped = server.stop();
    const late = await LineClient.connect(server.port).catch((error: NodeJS.ErrnoException) => {
      assert.equal(error.code, 'ECONNREFUSED');
      return undefined;
    });
    if (late !== undefined) {
      const lines = await late.waitClosed().then(() => late.lines);
      assert.ok(
        lines.length === 0 || /^9:shutting_down:/.test(lines[0] ?? ''),
        JSON.stringify(lines),
      );
    }
    assert.match(await stays.next(), /^9:shutting_down:/);
    await stopped;
  });

  it('tells WebSocket clients too, with the code as the close reason', async () => {
    const server = await startTestServer();
    const { client } = await WsLineClient.login(server.httpPort, 'browser');
    const stopped = server.stop();
    assert.match(await client.next(), /^9:shutting_down:/);
    await client.waitClosed();
    assert.equal(client.closeReason, 'shutting_down');
    await stopped;
  });
});
