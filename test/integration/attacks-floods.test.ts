import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../helpers/admin-http.js';
import { besideControlGroup } from '../helpers/control-group.js';
import { rateFlood, rateLimitSettings } from '../helpers/flood.js';
import { LineClient } from '../helpers/line-client.js';
import { useServerPool } from '../helpers/test-server.js';

/** The control group's connections: five over TCP, one over WebSocket, all from 127.0.0.1. */
const CONTROL_CONNECTIONS = 6;

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
          for (const client of admitted) assert.match(client.lines[0] ?? '', /^0:\d+(?::[\w-]+)?$/);
        });
        for (const client of clients) client.close();
        await eventually(() =>
          assert.equal(running.server.view.sessions().length, CONTROL_CONNECTIONS),
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
    const running = await pool.start(rateLimitSettings(perSecond));
    await rateFlood(running, {
      perSecond,
      count: 10,
      login: (index) => LineClient.login(running.port, `flooder${index}`),
      // One write of 100 lines.
      burst: (client) => client.write('3:0:spam\n'.repeat(100)),
      track: pool.track,
    });
  });
});
