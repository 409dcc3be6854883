import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../helpers/admin-http.js';
import { besideControlGroup } from '../helpers/control-group.js';
import { floodRoom, QUEUE_FILLING, rateFlood, rateLimitSettings } from '../helpers/flood.js';
import { LineClient } from '../helpers/line-client.js';
import { disconnects, inCore } from '../helpers/server-probes.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { useServerPool } from '../helpers/test-server.js';
import { WsLineClient } from '../helpers/ws-line-client.js';

describe('attack: floods and stalls over WebSocket', { timeout: 30_000 }, () => {
  const pool = useServerPool({ tickIntervalMs: 20, ...QUEUE_FILLING });

  it('holds WebSocket message floods to the rate limit and closes persistent flooders', async () => {
    const perSecond = 200;
    const running = await pool.start(rateLimitSettings(perSecond));
    const flooders = await rateFlood(running, {
      perSecond,
      count: 5,
      login: (index) => WsLineClient.login(running.httpPort, `wsflooder${index}`),
      // 100 messages of one line each.
      burst: (client) => {
        for (let index = 0; index < 100; index += 1) client.send('3:0:spam');
      },
      track: pool.track,
    });
    const closed = await disconnects(running, 'rate_limit_exceeded', 'websocket');
    assert.equal(closed, flooders.length);
  });

  it('drops a WebSocket peer whose socket stalls (a proxy stops reading both ways)', async () => {
    const running = await pool.start({
      maxQueuedBytes: 256 * 1024 * 1024,
      slowConsumerSoftBytes: 0,
      writeStallMs: 300,
    });
    const proxy = await TcpProxy.start(running.httpPort);
    pool.track({ close: () => void proxy.close() });
    const witness = await LineClient.login(running.port, 'witness');
    pool.track(witness.client);
    await witness.client.joinRoom('stall');
    const sender = await LineClient.login(running.port, 'sender');
    pool.track(sender.client);
    await sender.client.joinRoom('stall');
    const stalled = await WsLineClient.login(proxy.port, 'stalled-ws');
    pool.track(stalled.client);
    await stalled.client.joinRoom('stall');
    await eventually(() => assert.ok(witness.client.lines.includes(`2:${stalled.id}:stall`)));
    proxy.setMode('pause');
    await besideControlGroup(running, async () => {
      await floodRoom(sender, witness.client, { count: 300, size: 32 * 1024 });
      await eventually(() => assert.equal(inCore(running, stalled.id), false), 5000);
    });
    assert.ok(witness.client.lines.includes(`2:${stalled.id}:`), 'the room saw it leave');
    assert.equal(await disconnects(running, 'write_timeout', 'websocket'), 1);
    await proxy.close();
  });
});
