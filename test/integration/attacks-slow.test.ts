import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { AdminClient, eventually } from '../helpers/admin-http.js';
import { besideControlGroup } from '../helpers/control-group.js';
import { floodRoom, QUEUE_FILLING } from '../helpers/flood.js';
import { LineClient } from '../helpers/line-client.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { useServerPool, type TestServer } from '../helpers/test-server.js';
import { WsLineClient } from '../helpers/ws-line-client.js';

const MAX_QUEUED_BYTES = 256 * 1024;
const MESSAGE_BYTES = 32 * 1024;
/** Far past the kernel's socket buffers on loopback (a few MiB) plus the cap. */
const FLOOD_MESSAGES = 400;
/** A steady flood of 3.2 MB/s for two seconds: a reader that reads half the time keeps up. */
const PACED_MESSAGES = 200;
const PACED_PER_SECOND = 100;

describe('attack: slow, stalled and non-reading clients', { timeout: 60_000 }, () => {
  const pool = useServerPool({
    maxQueuedBytes: MAX_QUEUED_BYTES,
    closeFlushMs: 200,
    ...QUEUE_FILLING,
  });
  let server: TestServer | undefined;
  before(async () => {
    server = await pool.start();
  });
  const running = (): TestServer => server ?? assert.fail('no server');
  async function join(name: string, room: string): Promise<{ client: LineClient; id: number }> {
    return joinVia(running().port, name, room);
  }
  async function joinVia(
    port: number,
    name: string,
    room: string,
  ): Promise<{ client: LineClient; id: number }> {
    const joined = await LineClient.login(port, name);
    pool.track(joined.client);
    await joined.client.joinRoom(room);
    return joined;
  }
  const inCore = (clientId: number): boolean =>
    running()
      .server.view.sessions()
      .some((session) => session.clientId === clientId);

  it('drops clients that never read, over TCP and WebSocket, holding no more than the cap', async () => {
    const api = AdminClient.forPort(running().httpPort);
    const reader = await join('reader', 'flood');
    const deaf = await join('deaf', 'flood');
    const deafWs = await WsLineClient.login(running().httpPort, 'deaf-ws');
    pool.track(deafWs.client);
    await deafWs.client.joinRoom('flood');
    const sender = await join('sender', 'flood');
    deaf.client.socket.pause();
    deafWs.client.ws.pause();
    let maxQueued = 0;
    const memoryBefore = process.memoryUsage().arrayBuffers;
    let maxGrowth = 0;
    await besideControlGroup(running(), async () => {
      await floodRoom(sender, reader.client, {
        count: FLOOD_MESSAGES,
        size: MESSAGE_BYTES,
        onBatch: async () => {
          const { body } = await api.call('/api/clients');
          const clients = body.clients as { id: number; queuedBytes: number }[];
          for (const { id, queuedBytes } of clients) {
            if (id === deaf.id || id === deafWs.id) maxQueued = Math.max(maxQueued, queuedBytes);
          }
          maxGrowth = Math.max(maxGrowth, process.memoryUsage().arrayBuffers - memoryBefore);
        },
      });
    });
    for (const { id } of [deaf, deafWs]) {
      assert.equal(inCore(id), false, `${id}, which never reads, is still in the core`);
      assert.ok(reader.client.lines.includes(`2:${id}:`), 'the room saw it leave');
    }
    // The cap is checked once per event-loop turn: one batch (one read) may pass it.
    const batchBytes = 10 * (MESSAGE_BYTES + 64);
    assert.ok(maxQueued <= MAX_QUEUED_BYTES + batchBytes, `queued ${maxQueued} bytes`);
    assert.ok(maxGrowth < 32 * 1024 * 1024, `buffers grew by ${maxGrowth} bytes`);
    deaf.client.socket.resume();
    await deaf.client.waitClosed();
    deafWs.client.ws.resume();
    await deafWs.client.waitClosed();
  });

  it('keeps a client that reads slowly, in bursts, but keeps up', async () => {
    const reader = await join('reader2', 'bursty');
    const slow = await join('slow', 'bursty');
    const deaf = await join('deaf2', 'bursty');
    const sender = await join('sender2', 'bursty');
    deaf.client.socket.pause();
    let reading = true;
    const throttle = (async () => {
      // Reads half of the time: 50 ms stopped, 50 ms reading, until the flood is over.
      while (reading) {
        slow.client.socket.pause();
        await new Promise((resolve) => setTimeout(resolve, 50));
        slow.client.socket.resume();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await besideControlGroup(running(), async () => {
      await floodRoom(sender, reader.client, {
        count: PACED_MESSAGES,
        size: MESSAGE_BYTES,
        batch: 5,
        perSecond: PACED_PER_SECOND,
      });
    });
    reading = false;
    await throttle;
    slow.client.socket.resume();
    // The one that does not read at all, under the same flood, is dropped: the flood is enough.
    assert.equal(inCore(deaf.id), false, 'the flood was too small to tell slow from dead');
    assert.equal(inCore(slow.id), true, 'the slow reader was dropped');
    const last = `3:${sender.id}:${PACED_MESSAGES - 1}:`;
    await eventually(() => assert.ok(slow.client.lines.some((line) => line.startsWith(last))));
    const relayed = slow.client.lines.filter((line) => line.startsWith(`3:${sender.id}:`));
    assert.equal(relayed.length, PACED_MESSAGES);
    assert.equal(slow.client.closed, false);
  });

  it('drops a client whose socket stalls (a proxy stops reading both ways)', async () => {
    const proxy = await TcpProxy.start(running().port);
    pool.track({ close: () => void proxy.close() });
    const reader = await join('reader3', 'stall');
    const sender = await join('sender3', 'stall');
    const stalled = await joinVia(proxy.port, 'stalled', 'stall');
    await reader.client.next();
    proxy.setMode('pause');
    await besideControlGroup(running(), async () => {
      await floodRoom(sender, reader.client, { count: FLOOD_MESSAGES, size: MESSAGE_BYTES });
      await eventually(() => assert.equal(inCore(stalled.id), false));
    });
    assert.ok(reader.client.lines.includes(`2:${stalled.id}:`), 'the room saw it leave');
    await proxy.close();
  });
});
