import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../helpers/admin-http.js';
import { besideControlGroup } from '../helpers/control-group.js';
import { LineClient } from '../helpers/line-client.js';
import { clientFrame, OPCODE, RawWebSocket } from '../helpers/raw-websocket.js';
import { disconnects } from '../helpers/server-probes.js';
import { useServerPool } from '../helpers/test-server.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `bytes` one at a time, each a segment of its own, until `stop` says so. */
async function trickle(write: (byte: Buffer) => Promise<void>, count: number, stop: () => boolean) {
  for (let index = 0; index < count && !stop(); index += 1) {
    await write(Buffer.from('x'));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe(
  'attack: unfinished lines and WebSocket frames (issue #15, item 5)',
  { timeout: 60_000 },
  () => {
    const pool = useServerPool({ tickIntervalMs: 50 });

    /** A hand-written WebSocket client, logged in as `name`, closed after the block. */
    async function loggedIn(httpPort: number, name: string): Promise<RawWebSocket> {
      const ws = await RawWebSocket.connect(httpPort);
      pool.track(ws);
      ws.sendText(`0:${name}:pw`);
      await eventually(() => assert.match(ws.received, /0:\d+/));
      return ws;
    }

    it('refuses a line left unfinished over TCP and WebSocket with line_timeout', async () => {
      const running = await pool.start({ partialLineTimeoutMs: 700 });
      const tcp = await Promise.all(
        [0, 1, 2].map((index) => LineClient.login(running.port, `trickler${index}`)),
      );
      pool.track(...tcp.map(({ client }) => client));
      const ws = await loggedIn(running.httpPort, 'ws-trickler');
      await besideControlGroup(running, async () => {
        const started = Date.now();
        for (const { client } of tcp) client.write('3:0:');
        // A text frame announcing 64 KiB, of which a byte comes every 50 ms.
        await ws.write(
          clientFrame(OPCODE.text, Buffer.from('3:0:'), { payloadLength: 65_536 }).subarray(0, 12),
        );
        const slowly = async (write: (byte: Buffer) => unknown, closed: () => boolean) => {
          while (!closed() && Date.now() - started < 5000) {
            write(Buffer.from('x'));
            await sleep(50);
          }
        };
        await Promise.all([
          ...tcp.map(({ client }) =>
            slowly(
              (byte) => client.write(byte),
              () => client.closed,
            ),
          ),
          slowly(
            (byte) => ws.write(byte),
            () => ws.closed,
          ),
        ]);
        const elapsed = Date.now() - started;
        assert.ok(elapsed < 4000, `the tricklers were cut after ${elapsed} ms`);
      });
      for (const { client } of tcp) {
        assert.ok(
          client.lines.some((line) => line.startsWith('9:line_timeout:')),
          client.lines.join(),
        );
      }
      assert.match(ws.received, /9:line_timeout:/);
      assert.equal(await disconnects(running, 'line_timeout'), 3);
      assert.equal(await disconnects(running, 'line_timeout', 'websocket'), 1);
    });

    it('keeps a client whose lines end, however slowly each arrives', async () => {
      const running = await pool.start({ partialLineTimeoutMs: 700 });
      const { client } = await LineClient.login(running.port, 'patient');
      pool.track(client);
      // Each line takes 400 ms to arrive, 2 s in all: every one ends within the timeout.
      for (let index = 0; index < 5; index += 1) {
        for (const piece of ['3:0', `:${index}`, '\n']) {
          client.write(piece);
          await sleep(130);
        }
      }
      client.send('1');
      await eventually(() => assert.ok(client.lines.some((line) => line.startsWith('1:'))));
      assert.equal(client.closed, false);
    });

    it('cuts a WebSocket frame that arrives in more reads than a max-size line needs', async () => {
      const running = await pool.start();
      const ws = await loggedIn(running.httpPort, 'ws-dribbler');
      await besideControlGroup(running, async () => {
        const header = clientFrame(OPCODE.text, Buffer.alloc(0), { payloadLength: 1_000_000 });
        await ws.write(header);
        // ws kept each read of an unfinished frame as a buffer of its own: 1 MB in one-byte reads
        // held about 100 times that. The frame is cut once it has taken too many reads.
        await trickle(
          (byte) => ws.write(byte),
          30_000,
          () => ws.closed,
        );
        assert.ok(await ws.waitClosed(2000), 'the frame in tiny reads was never cut');
      });
      assert.equal(await disconnects(running, 'line_too_long', 'websocket'), 1);
    });

    it('cuts a WebSocket message in more fragments than any client sends', async () => {
      const running = await pool.start();
      const ws = await loggedIn(running.httpPort, 'ws-fragmenter');
      await besideControlGroup(running, async () => {
        const fragments = [clientFrame(OPCODE.text, Buffer.from('3'), { fin: false })];
        for (let index = 0; index < 4000; index += 1) {
          fragments.push(clientFrame(OPCODE.continuation, Buffer.from('x'), { fin: false }));
        }
        await ws.write(Buffer.concat(fragments));
        assert.ok(await ws.waitClosed(2000), 'the message in 4,000 fragments was never cut');
      });
      assert.equal(await disconnects(running, 'line_too_long', 'websocket'), 1);
    });
  },
);
