import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../helpers/admin-http.js';
import { LineClient } from '../helpers/line-client.js';
import { QUEUE_FILLING } from '../helpers/flood.js';
import { useServerPool, type TestServer } from '../helpers/test-server.js';
import { WsLineClient } from '../helpers/ws-line-client.js';

const PAYLOAD = 'x'.repeat(32 * 1024);
/** About 16 MiB: well past the kernel buffers between server and a client that stopped reading. */
const BURST = 500;

/** A client that stops reading when told. */
interface Stuck {
  joinRoom(room: string): Promise<string[]>;
  pause(): void;
  close(): void;
}

describe('slow-consumer soft cap and write stall', { timeout: 30_000 }, () => {
  // The hard cap is far away: only the soft cap and the stall timeout can close anyone.
  const pool = useServerPool({
    tickIntervalMs: 20,
    maxQueuedBytes: 256 * 1024 * 1024,
    ...QUEUE_FILLING,
  });

  /**
   * A server with the given limits, a stuck client and a sender in one room; the sender floods
   * the stuck client (mode 0 skips the sender itself), and the reason the stuck client's
   * connection was closed with, as logged, is returned.
   */
  async function floodStuckClient(
    settings: Record<string, unknown>,
    stuck: (running: TestServer) => Promise<{ client: Stuck; id: number }>,
  ): Promise<unknown> {
    const logs: Record<string, unknown>[] = [];
    const running = await pool.start(settings, undefined, {
      onLog: (entry) => logs.push(entry),
      logLevel: 'info',
    });
    const slow = await stuck(running);
    const sender = await LineClient.login(running.port, 'sender');
    pool.track(slow.client, sender.client);
    for (const { client } of [slow, sender]) await client.joinRoom('room');
    slow.client.pause();
    sender.client.write(`3:0:${PAYLOAD}\n`.repeat(BURST));
    const login = logs.find((entry) => entry.msg === 'login' && entry.clientId === slow.id);
    const disconnect = await eventually(() => {
      const entry = logs.find((log) => log.msg === 'disconnect' && log.connId === login?.connId);
      assert.ok(entry !== undefined, 'the stuck client is still connected');
      return entry;
    }, 10_000);
    return disconnect.reason;
  }

  const tcpStuck = async (running: TestServer) => {
    const { client, id } = await LineClient.login(running.port, 'stuck');
    return { client: Object.assign(client, { pause: () => client.socket.pause() }), id };
  };
  const wsStuck = async (running: TestServer) => {
    const { client, id } = await WsLineClient.login(running.httpPort, 'stuck');
    return { client: Object.assign(client, { pause: () => client.ws.pause() }), id };
  };

  const SOFT_CAP = { slowConsumerSoftBytes: 256 * 1024, slowConsumerSoftMs: 300, writeStallMs: 0 };
  const STALL = { slowConsumerSoftBytes: 0, writeStallMs: 300 };
  for (const [transport, stuck] of [
    ['TCP', tcpStuck],
    ['WebSocket', wsStuck],
  ] as const) {
    it(`closes a ${transport} client held above slowConsumerSoftBytes for slowConsumerSoftMs`, async () => {
      assert.equal(await floodStuckClient(SOFT_CAP, stuck), 'slow_consumer');
    });

    it(`closes a ${transport} client whose socket took nothing for writeStallMs`, async () => {
      assert.equal(await floodStuckClient(STALL, stuck), 'write_timeout');
    });
  }

  it('keeps a client that reads the same burst as it comes', async () => {
    // The burst passes the soft cap for as long as reading it takes: the limits leave room for
    // a reader in a busy test process, and still close far sooner than the defaults would.
    const running = await pool.start({
      slowConsumerSoftBytes: 1024 * 1024,
      slowConsumerSoftMs: 3000,
      writeStallMs: 1000,
    });
    const reader = await LineClient.login(running.port, 'reader');
    const sender = await LineClient.login(running.port, 'sender');
    pool.track(reader.client, sender.client);
    for (const { client } of [reader, sender]) await client.joinRoom('room');
    await reader.client.next();
    sender.client.write(`3:0:${PAYLOAD}\n`.repeat(BURST));
    for (let index = 0; index < BURST; index += 1) {
      const line = await reader.client.next(10_000);
      assert.equal(line.length, `3:${sender.id}:`.length + PAYLOAD.length);
    }
    assert.equal(reader.client.closed, false);
  });
});
