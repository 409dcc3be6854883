import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../helpers/admin-http.js';
import { besideControlGroup } from '../helpers/control-group.js';
import { LineClient } from '../helpers/line-client.js';
import { useServerPool } from '../helpers/test-server.js';

/** The control group's connections: five over TCP, one over WebSocket, all from 127.0.0.1. */
const CONTROL_CONNECTIONS = 6;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('attack: connection and message floods', { timeout: 60_000 }, () => {
  const pool = useServerPool({ tickIntervalMs: 20 });

  it('refuses connections past maxConnections with 9:server_full, wave after wave', async () => {
    const maxConnections = 20;
    const flood = 60;
    const running = await pool.start({ maxConnections });
    await besideControlGroup(running, async () => {
      for (let wave = 0; wave < 3; wave += 1) {
        const clients = await Promise.all(
          Array.from({ length: flood }, () => LineClient.connect(running.port)),
        );
        pool.track(...clients);
        await eventually(() => {
          const refused = clients.filter((client) => client.closed);
          assert.equal(refused.length, flood - (maxConnections - CONTROL_CONNECTIONS));
          for (const client of refused) assert.match(client.lines[0] ?? '', /^9:server_full:/);
        });
        // The ones let in are served like anyone else.
        const admitted = clients.filter((client) => !client.closed);
        for (const [index, client] of admitted.entries()) client.send(`0:flood${index}:pw`);
        await eventually(() => {
          for (const client of admitted) assert.match(client.lines[0] ?? '', /^0:\d+$/);
        });
        for (const client of clients) client.close();
        await eventually(() =>
          assert.equal(running.server.relay.sessions().length, CONTROL_CONNECTIONS),
        );
      }
    });
    // With the flood gone, a newcomer gets in.
    const late = await LineClient.login(running.port, 'late');
    pool.track(late.client);
    assert.ok(late.id > 0);
  });

  it('refuses connections from one address past maxConnectionsPerIp, sparing other addresses', async () => {
    const perIp = 10;
    const running = await pool.start({ maxConnectionsPerIp: perIp });
    await besideControlGroup(running, async () => {
      // Linux routes all of 127.0.0.0/8 to loopback: the flood comes from 127.0.0.2.
      const clients = await Promise.all(
        Array.from({ length: 40 }, () =>
          LineClient.connect(running.port, '127.0.0.1', '127.0.0.2'),
        ),
      );
      pool.track(...clients);
      await eventually(() => {
        const refused = clients.filter((client) => client.closed);
        assert.equal(refused.length, 40 - perIp);
        for (const client of refused) {
          assert.match(client.lines[0] ?? '', /^9:too_many_connections_from_ip:/);
        }
      });
      for (const client of clients) client.close();
    });
  });

  it('holds message floods to the rate limit, answers 9:rate_limited, and drops persistent flooders', async () => {
    const perSecond = 200;
    const running = await pool.start({
      rateLimitPerSecond: perSecond,
      rateLimitBurst: perSecond,
      rateLimitMaxStrikes: 2,
    });
    const reader = await LineClient.login(running.port, 'reader');
    pool.track(reader.client);
    await reader.client.joinRoom('spam');
    const flooders = await Promise.all(
      Array.from({ length: 10 }, (_, index) => LineClient.login(running.port, `flooder${index}`)),
    );
    pool.track(...flooders.map((flooder) => flooder.client));
    for (const { client } of flooders) await client.joinRoom('spam');
    const started = Date.now();
    await besideControlGroup(running, async () => {
      // Each flooder writes 2000 lines a second, ten times its limit, until it is closed.
      while (flooders.some(({ client }) => !client.closed) && Date.now() - started < 8000) {
        for (const { client } of flooders) {
          if (!client.closed) client.write('3:0:spam\n'.repeat(100));
        }
        await sleep(50);
      }
    });
    const seconds = (Date.now() - started) / 1000;
    for (const { client, id } of flooders) {
      assert.equal(client.closed, true, `flooder ${id} was never closed`);
      assert.match(client.lines.find((line) => line.startsWith('9:')) ?? '', /^9:rate_limited:/);
      assert.match(client.lines.at(-1) ?? '', /^9:rate_limit_exceeded:/);
      // What got through is what the bucket allows: a burst plus the rate, not the flood.
      const relayed = reader.client.lines.filter((line) => line === `3:${id}:spam`).length;
      const allowed = perSecond + perSecond * seconds;
      assert.ok(relayed <= allowed, `${relayed} relayed in ${seconds} s, over ${allowed}`);
    }
  });
});
