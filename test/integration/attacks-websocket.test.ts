import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdminClient, eventually } from '../helpers/admin-http.js';
import { besideControlGroup } from '../helpers/control-group.js';
import { floodRoom } from '../helpers/flood.js';
import { LineClient } from '../helpers/line-client.js';
import { metricValue } from '../helpers/metrics-text.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { useServerPool, type TestServer } from '../helpers/test-server.js';
import { WsLineClient } from '../helpers/ws-line-client.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const inCore = (running: TestServer, clientId: number): boolean =>
  running.server.relay.sessions().some((session) => session.clientId === clientId);

async function wsDisconnects(running: TestServer, reason: string): Promise<number> {
  const text = await AdminClient.forPort(running.httpPort).metrics();
  return metricValue(text, 'roomwire_disconnects_total', { transport: 'websocket', reason }) ?? 0;
}

describe('attack: floods and stalls over WebSocket', { timeout: 30_000 }, () => {
  const pool = useServerPool({ tickIntervalMs: 20 });

  it('holds WebSocket message floods to the rate limit and closes persistent flooders', async () => {
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
      Array.from({ length: 5 }, (_, index) =>
        WsLineClient.login(running.httpPort, `wsflooder${index}`),
      ),
    );
    pool.track(...flooders.map((flooder) => flooder.client));
    for (const { client } of flooders) await client.joinRoom('spam');
    const started = Date.now();
    await besideControlGroup(running, async () => {
      // Each flooder sends 2000 messages a second, ten times its limit, until it is closed.
      while (flooders.some(({ client }) => !client.closed) && Date.now() - started < 8000) {
        for (const { client } of flooders) {
          if (client.closed) continue;
          for (let index = 0; index < 100; index += 1) client.send('3:0:spam');
        }
        await sleep(50);
      }
    });
    const seconds = (Date.now() - started) / 1000;
    for (const { client, id } of flooders) {
      assert.equal(client.closed, true, `WebSocket flooder ${id} was never closed`);
      assert.match(client.lines.find((line) => line.startsWith('9:')) ?? '', /^9:rate_limited:/);
      assert.match(client.lines.at(-1) ?? '', /^9:rate_limit_exceeded:/);
      const relayed = reader.client.lines.filter((line) => line === `3:${id}:spam`).length;
      assert.ok(relayed > 0, `nothing of flooder ${id} was relayed: the limit is not the flood's`);
      const allowed = perSecond + perSecond * seconds;
      assert.ok(relayed <= allowed, `${relayed} relayed in ${seconds} s, over ${allowed}`);
    }
    assert.equal(await wsDisconnects(running, 'rate_limit_exceeded'), flooders.length);
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
    assert.equal(await wsDisconnects(running, 'write_timeout'), 1);
    await proxy.close();
  });
});
