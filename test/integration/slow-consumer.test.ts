import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LineClient } from '../helpers/line-client.js';
import { QUEUE_FILLING } from '../helpers/flood.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const MAX_QUEUED_BYTES = 64 * 1024;
const PAYLOAD = 'x'.repeat(32 * 1024);
/** Far more than the kernel buffers between the server and a client that never reads. */
const MAX_MESSAGES = 1500;

interface Player {
  readonly client: LineClient;
  readonly id: number;
}

/** A server with a small `maxQueuedBytes`, capturing its logs, for one describe block. */
function floodServer(closeFlushMs: number): {
  readonly get: () => TestServer;
  readonly logs: Record<string, unknown>[];
  readonly trio: () => Promise<{ reader: Player; slow: Player; sender: Player }>;
} {
  let server: TestServer | undefined;
  const logs: Record<string, unknown>[] = [];
  const open: LineClient[] = [];
  before(async () => {
    const settings = { maxQueuedBytes: MAX_QUEUED_BYTES, closeFlushMs, ...QUEUE_FILLING };
    server = await startTestServer(settings, undefined, {
      onLog: (entry) => logs.push(entry),
      logLevel: 'info',
    });
  });
  after(async () => {
    for (const client of open) client.close();
    await server?.stop();
  });
  const get = (): TestServer => server ?? assert.fail('server not started');
  async function join(name: string): Promise<Player> {
    const player = await LineClient.login(get().port, name);
    open.push(player.client);
    player.client.send('2:flood');
    while (!(await player.client.next()).startsWith('4:'));
    return player;
  }
  return {
    get,
    logs,
    async trio() {
      // The reader joins first and stays master, so the slow client's leave is its only event.
      const reader = await join('reader');
      const slow = await join('slow');
      const sender = await join('sender');
      await reader.client.nextLines(2);
      await slow.client.nextLines(1);
      return { reader, slow, sender };
    },
  };
}

/** Sends message `index` from `sender` and checks the reader gets it; true if the slow one left first. */
async function relayOne(
  sender: Player,
  reader: Player,
  slow: Player,
  index: number,
): Promise<boolean> {
  sender.client.send(`3:0:${index}:${PAYLOAD}`);
  let line = await reader.client.next();
  const left = line === `2:${slow.id}:`;
  if (left) line = await reader.client.next();
  // Compared by parts: an assertion message holding 32 KiB payloads is of no use.
  const expected = `3:${sender.id}:${index}:`;
  assert.equal(line.slice(0, expected.length), expected);
  assert.equal(line.length, expected.length + PAYLOAD.length);
  return left;
}

describe('slow consumers', { timeout: 30_000 }, () => {
  describe('a client that stops reading for good', () => {
    const { trio, logs } = floodServer(20);

    it('is dropped as slow_consumer while the others keep receiving promptly', async () => {
      const { reader, slow, sender } = await trio();
      slow.client.socket.pause();
      const memoryBefore = process.memoryUsage().arrayBuffers;
      let droppedAt: number | undefined;
      let slowest = 0;
      let sent = 0;
      while (sent < MAX_MESSAGES && (droppedAt === undefined || sent < droppedAt + 50)) {
        const started = Date.now();
        if (await relayOne(sender, reader, slow, sent)) droppedAt = sent;
        slowest = Math.max(slowest, Date.now() - started);
        sent += 1;
        // The leave comes after the close deadline, a timer: let timers run now and then.
        if (sent % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      assert.ok(
        droppedAt !== undefined,
        `not dropped after ${sent} messages of ${PAYLOAD.length} bytes`,
      );
      assert.ok(slowest < 1000, `a message took ${slowest} ms to reach the reader`);
      // What the server holds for the slow client is capped, not everything sent since it stopped.
      const growth = process.memoryUsage().arrayBuffers - memoryBefore;
      assert.ok(
        growth < 16 * 1024 * 1024,
        `buffers grew by ${growth} bytes over ${sent * PAYLOAD.length}`,
      );
      const login = logs.find((entry) => entry.msg === 'login' && entry.clientId === slow.id);
      const disconnect = logs.find(
        (entry) => entry.msg === 'disconnect' && entry.connId === login?.connId,
      );
      assert.equal(disconnect?.reason, 'slow_consumer');
      assert.deepEqual(await sender.client.quiet(20), [`2:${slow.id}:`]);
      // Reading again, it finds whole lines and then the end of the connection.
      slow.client.socket.resume();
      await slow.client.waitClosed();
      for (const line of slow.client.lines)
        assert.match(line.slice(0, 40), /^(0:\d+(:[\w-]+)?$|[234]:\d+)/);
    });
  });

  describe('a client that reads promptly but receives a burst', () => {
    const { trio } = floodServer(200);

    it('is not dropped when more than maxQueuedBytes reaches it within one event-loop turn', async () => {
      const { reader, slow: other, sender } = await trio();
      const payload = 'b'.repeat(30 * 1024);
      // Three lines in one write: one read on the server, about 90 KiB for each member at once.
      sender.client.write(`3:0:${payload}\n`.repeat(3));
      for (const member of [reader, other]) {
        for (let index = 0; index < 3; index += 1) {
          const line = await member.client.next();
          assert.equal(line.slice(0, 40), `3:${sender.id}:${payload}`.slice(0, 40));
        }
      }
      assert.deepEqual(await reader.client.quiet(300), []);
      assert.equal(reader.client.closed, false);
    });
  });

  describe('a client that stops reading, then reads again before the flush deadline', () => {
    const { trio } = floodServer(3000);

    it('receives 9:slow_consumer after what was queued, then the connection closes', async () => {
      const { reader, slow, sender } = await trio();
      slow.client.socket.pause();
      // Far past the kernel buffers (about 4 MiB here) plus maxQueuedBytes.
      let leftDuringFlood = false;
      for (let index = 0; index < 400; index += 1) {
        if (await relayOne(sender, reader, slow, index)) leftDuringFlood = true;
      }
      // The room hears of the drop at once, not when the flush deadline cuts the socket.
      assert.ok(leftDuringFlood, 'the room saw the slow client leave while the flood went on');
      slow.client.socket.resume();
      await slow.client.waitClosed(5000);
      const last = slow.client.lines.at(-1) ?? '';
      assert.match(last, /^9:slow_consumer:/);
      const relayed = slow.client.lines.filter((line) => line.startsWith(`3:${sender.id}:`));
      assert.ok(
        relayed.length > 0 && relayed.length < 400,
        `${relayed.length} messages reached it`,
      );
      assert.deepEqual(await reader.client.quiet(50), []);
    });
  });
});
