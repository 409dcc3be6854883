import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../helpers/admin-http.js';
import { besideControlGroup } from '../helpers/control-group.js';
import { floodRoom, QUEUE_FILLING } from '../helpers/flood.js';
import { LineClient } from '../helpers/line-client.js';
import { disconnects, inCore } from '../helpers/server-probes.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { useServerPool, type TestServer } from '../helpers/test-server.js';

/** A fast tick, so that every deadline passes within a fraction of a second. */
const FAST = { tickIntervalMs: 20, loginTimeoutMs: 300, idleTimeoutMs: 400, ...QUEUE_FILLING };

describe('attack: silent, half-open and stalled peers', { timeout: 60_000 }, () => {
  const pool = useServerPool(FAST);

  /** A client behind a proxy that logs in and joins `room` first (so it is the master). */
  async function proxied(running: TestServer, room: string) {
    const proxy = await TcpProxy.start(running.port);
    pool.track({ close: () => void proxy.close() });
    const dead = await LineClient.login(proxy.port, 'doomed');
    pool.track(dead.client);
    await dead.client.joinRoom(room);
    const witness = await LineClient.login(running.port, 'witness');
    pool.track(witness.client);
    await witness.client.joinRoom(room);
    await dead.client.next();
    // It keeps pinging (a live client) until the proxy swallows its pings.
    const pinger = setInterval(() => dead.client.send('8:'), 100);
    pool.track({ close: () => clearInterval(pinger) });
    return { proxy, dead, witness };
  }

  /** The witness sees the dead master leave and itself become master; the core forgets it. */
  async function assertReaped(
    running: TestServer,
    dead: { id: number },
    witness: { client: LineClient; id: number },
  ): Promise<void> {
    await eventually(() => {
      const events = witness.client.lines.filter((line) => !line.startsWith('8:'));
      assert.deepEqual(events.slice(-2), [`2:${dead.id}:`, `4:${witness.id}`]);
    }, 5000);
    assert.equal(inCore(running, dead.id), false);
  }

  it('reaps a half-open client that pinged, then vanished (a proxy swallows everything)', async () => {
    const running = await pool.start();
    const { proxy, dead, witness } = await proxied(running, 'half-open');
    assert.equal(await dead.client.next(), '8:');
    await besideControlGroup(running, async () => {
      proxy.setMode('blackhole');
      await assertReaped(running, dead, witness);
    });
    // The server closed its side; the vanished client never heard a thing.
    assert.equal(proxy.openUpstreams, 0);
    assert.equal(dead.client.closed, false);
    assert.equal(await disconnects(running, 'idle_timeout'), 1);
  });

  it('reaps a silent client when idleTimeoutAll is on, and never the talking ones', async () => {
    const running = await pool.start({ idleTimeoutAll: 1 });
    const { proxy, dead, witness } = await proxied(running, 'silent');
    const pinger = setInterval(() => witness.client.send('8:'), 100);
    pool.track({ close: () => clearInterval(pinger) });
    await besideControlGroup(running, async () => {
      proxy.setMode('blackhole');
      await assertReaped(running, dead, witness);
    });
    // The control group talks all the time: it is never idle, so it is never reaped.
    assert.equal(await disconnects(running, 'idle_timeout'), 1);
  });

  it('closes 30 connections that never log in with 9:login_timeout', async () => {
    const running = await pool.start();
    const proxy = await TcpProxy.start(running.port);
    pool.track({ close: () => void proxy.close() });
    await besideControlGroup(running, async () => {
      const lurkers = await Promise.all(
        Array.from({ length: 30 }, (_, index) =>
          LineClient.connect(index % 3 === 0 ? proxy.port : running.port),
        ),
      );
      pool.track(...lurkers);
      // A third come through the proxy, which then swallows everything: no FIN ever arrives.
      proxy.setMode('blackhole');
      await eventually(() => assert.equal(running.server.view.sessions().length, 6), 5000);
      for (const [index, lurker] of lurkers.entries()) {
        if (index % 3 === 0) continue;
        assert.match(lurker.lines[0] ?? '', /^9:login_timeout:/);
        await lurker.waitClosed();
      }
    });
    assert.equal(await disconnects(running, 'login_timeout'), 30);
    await proxy.close();
  });

  /** A stalled client (behind a paused proxy) in a room that a sender floods. */
  async function stallAndFlood(settings: Record<string, unknown>): Promise<TestServer> {
    const running = await pool.start({ maxQueuedBytes: 256 * 1024 * 1024, ...settings });
    const { proxy, dead, witness } = await proxied(running, 'stall');
    const sender = await LineClient.login(running.port, 'sender');
    pool.track(sender.client);
    await sender.client.joinRoom('stall');
    await witness.client.next();
    proxy.setMode('pause');
    await besideControlGroup(running, async () => {
      await floodRoom(sender, witness.client, { count: 300, size: 32 * 1024 });
      await eventually(() => assert.equal(inCore(running, dead.id), false), 5000);
    });
    assert.ok(witness.client.lines.includes(`2:${dead.id}:`), 'the room saw it leave');
    return running;
  }

  it('closes a stalled socket that takes nothing for writeStallMs with write_timeout', async () => {
    const running = await stallAndFlood({ slowConsumerSoftBytes: 0, writeStallMs: 300 });
    assert.equal(await disconnects(running, 'write_timeout'), 1);
  });

  it('closes a stalled socket held over slowConsumerSoftBytes for slowConsumerSoftMs', async () => {
    const running = await stallAndFlood({
      slowConsumerSoftBytes: 256 * 1024,
      slowConsumerSoftMs: 300,
      writeStallMs: 0,
    });
    assert.equal(await disconnects(running, 'slow_consumer'), 1);
  });
});
