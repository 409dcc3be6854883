import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineClient } from '../helpers/line-client.js';
import { useServerPool } from '../helpers/test-server.js';
import { WsLineClient } from '../helpers/ws-line-client.js';

describe('flood limits over real sockets', { timeout: 20_000 }, () => {
  const pool = useServerPool({ tickIntervalMs: 20 });

  it('drops lines over the rate limit with one 9:rate_limited, then keeps relaying', async () => {
    const { port } = await pool.start({ rateLimitPerSecond: 50, rateLimitBurst: 20 });
    const sender = await LineClient.login(port, 'sender');
    const reader = await LineClient.login(port, 'reader');
    pool.track(sender.client, reader.client);
    for (const { client } of [reader, sender]) await client.joinRoom('r');
    await reader.client.next();
    // 200 lines in one write: 18 fit in the bucket (login and join took two), the rest drop.
    sender.client.write(Array.from({ length: 200 }, (_, index) => `3:0:${index}\n`).join(''));
    const refusal = await sender.client.next();
    assert.match(refusal, /^9:rate_limited:/);
    const relayed = await reader.client.quiet(300);
    assert.ok(relayed.length >= 18 && relayed.length < 200, `${relayed.length} relayed`);
    assert.deepEqual(await sender.client.quiet(0), []);
    // A second later the bucket has refilled.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    sender.client.send('3:0:later');
    assert.equal(await reader.client.next(), `3:${sender.id}:later`);
  });

  it('closes a client over the rate limit for rateLimitMaxStrikes seconds in a row', async () => {
    const { port } = await pool.start({
      rateLimitPerSecond: 10,
      rateLimitBurst: 10,
      rateLimitMaxStrikes: 2,
    });
    const { client } = await LineClient.login(port, 'flooder');
    pool.track(client);
    const flood = setInterval(() => client.write('1\n'.repeat(50)), 50);
    try {
      await client.waitClosed(6000);
    } finally {
      clearInterval(flood);
    }
    assert.match(client.lines.at(-1) ?? '', /^9:rate_limit_exceeded:/);
  });

  it('refuses a connection beyond maxConnectionsPerIp, loopback included', async () => {
    const { port, httpPort } = await pool.start({ maxConnectionsPerIp: 2 });
    const first = await LineClient.connect(port);
    const second = await WsLineClient.connect(httpPort);
    const third = await LineClient.connect(port);
    pool.track(first, second, third);
    assert.match(await third.next(), /^9:too_many_connections_from_ip:/);
    await third.waitClosed();
    first.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const fourth = await LineClient.connect(port);
    pool.track(fourth);
    fourth.send('0:late:pw');
    assert.match(await fourth.next(), /^0:\d+(?::[\w-]+)?$/);
    assert.equal(second.closed, false);
  });
});
