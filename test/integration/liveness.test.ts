import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineClient } from '../helpers/line-client.js';
import { useServerPool } from '../helpers/test-server.js';
import { WsLineClient } from '../helpers/ws-line-client.js';

/** Tiny limits and a fast tick, so each deadline passes within a fraction of a second. */
const FAST = { tickIntervalMs: 20, loginTimeoutMs: 200, idleTimeoutMs: 300 };

describe('liveness over real sockets', { timeout: 20_000 }, () => {
  const pool = useServerPool(FAST);

  it('closes a TCP connection that never logs in with 9:login_timeout', async () => {
    const { port } = await pool.start();
    const client = await LineClient.connect(port);
    pool.track(client);
    assert.match(await client.next(3000), /^9:login_timeout:/);
    await client.waitClosed();
  });

  it('closes a WebSocket connection that never logs in with 9:login_timeout', async () => {
    const { httpPort } = await pool.start();
    const client = await WsLineClient.connect(httpPort);
    pool.track(client);
    assert.match(await client.next(3000), /^9:login_timeout:/);
    await client.waitClosed();
    assert.equal(client.closeReason, 'login_timeout');
  });

  it('answers a ping at once with the same token, over TCP and WebSocket', async () => {
    const running = await pool.start({ idleTimeoutMs: 0 });
    const tcp = await LineClient.login(running.port, 'tcp');
    const ws = await WsLineClient.login(running.httpPort, 'ws');
    pool.track(tcp.client, ws.client);
    tcp.client.send('8:1:rtt');
    ws.client.send('8:2:rtt');
    assert.equal(await tcp.client.next(), '8:1:rtt');
    assert.equal(await ws.client.next(), '8:2:rtt');
  });

  it('reaps a client that pinged and went silent; its room sees the leave and the new master', async () => {
    const { port } = await pool.start();
    const first = await LineClient.login(port, 'pinger');
    const second = await LineClient.login(port, 'quiet');
    pool.track(first.client, second.client);
    first.client.send('2:lobby');
    await first.client.nextLines(2);
    second.client.send('2:lobby');
    await second.client.nextLines(3);
    await first.client.next();
    first.client.send('8:');
    assert.equal(await first.client.next(), '8:');
    // The second client never pinged: it is never held to the idle timeout.
    assert.match(await first.client.next(3000), /^9:idle_timeout:/);
    await first.client.waitClosed();
    assert.deepEqual(await second.client.nextLines(2), [`2:${first.id}:`, `4:${second.id}`]);
    assert.deepEqual(await second.client.quiet(500), []);
    assert.equal(second.client.closed, false);
  });

  it('keeps a client that pings more often than the idle timeout', async () => {
    // Pings every 100 ms against a 1 s timeout, for 2 s: generous for a loaded machine.
    const { port } = await pool.start({ idleTimeoutMs: 1000 });
    const { client } = await LineClient.login(port, 'steady');
    pool.track(client);
    for (let round = 0; round < 20; round += 1) {
      client.send(`8:${round}`);
      assert.equal(await client.next(), `8:${round}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(client.closed, false);
  });

  it('reaps every silent client with idleTimeoutAll', async () => {
    const { port } = await pool.start({ idleTimeoutAll: true });
    const { client } = await LineClient.login(port, 'silent');
    pool.track(client);
    assert.match(await client.next(3000), /^9:idle_timeout:/);
    await client.waitClosed();
  });
});
