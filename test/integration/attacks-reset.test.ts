import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { eventually } from '../helpers/admin-http.js';
import { besideControlGroup } from '../helpers/control-group.js';
import { floodRoom } from '../helpers/flood.js';
import { LineClient } from '../helpers/line-client.js';
import { disconnects, inCore } from '../helpers/server-probes.js';
import { QUEUE_FILLING } from '../helpers/flood.js';
import { useServerPool } from '../helpers/test-server.js';
import { WsLineClient } from '../helpers/ws-line-client.js';

const FIN_WAIT1 = '04';

/**
 * Sockets on loopback whose local port is one of `ports` and that the kernel still holds in
 * FIN-WAIT-1 with bytes queued towards the peer (Linux's /proc/net/tcp and tcp6).
 */
function finWaitWithData(ports: readonly number[]): string[] {
  const held: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      const [, local, remote, state, queues] = row.trim().split(/\s+/);
      if (local === undefined || state !== FIN_WAIT1) continue;
      const port = Number.parseInt(local.split(':')[1] ?? '', 16);
      const txQueue = Number.parseInt(queues?.split(':')[0] ?? '0', 16);
      if (ports.includes(port) && txQueue > 0) held.push(`${local} -> ${remote}: ${txQueue} bytes`);
    }
  }
  return held;
}

describe(
  'attack: dropped slow consumers are reset (issue #15, item 15)',
  { timeout: 60_000 },
  () => {
    // The flood must fill the deaf client's queue: the byte-rate limit (issue 15) is off here.
    const pool = useServerPool({ maxQueuedBytes: 256 * 1024, closeFlushMs: 200, ...QUEUE_FILLING });

    it('leaves nothing queued in the kernel for a client that never reads, TCP and WebSocket', async (t) => {
      if (finWaitWithData([]).length === 0 && !tableReadable()) t.skip('no /proc/net/tcp here');
      const running = await pool.start();
      const join = async (name: string) => {
        const joined = await LineClient.login(running.port, name);
        pool.track(joined.client);
        await joined.client.joinRoom('deaf');
        return joined;
      };
      const reader = await join('reader');
      const deaf = await join('deaf');
      const deafWs = await WsLineClient.login(running.httpPort, 'deaf-ws');
      pool.track(deafWs.client);
      await deafWs.client.joinRoom('deaf');
      const sender = await join('sender');
      deaf.client.socket.pause();
      deafWs.client.ws.pause();
      await besideControlGroup(running, async () => {
        await floodRoom(sender, reader.client, { count: 400, size: 32 * 1024 });
        await eventually(() => {
          assert.equal(inCore(running, deaf.id), false);
          assert.equal(inCore(running, deafWs.id), false);
        });
        // Past the flush deadline: an ended socket would now sit in FIN-WAIT-1 with megabytes.
        await new Promise((resolve) => setTimeout(resolve, 400));
        assert.deepEqual(finWaitWithData([running.port, running.httpPort]), []);
      });
      assert.equal(await disconnects(running, 'slow_consumer'), 1);
      assert.equal(await disconnects(running, 'slow_consumer', 'websocket'), 1);
      // The peer learns from the reset as soon as it reads again.
      deaf.client.socket.resume();
      await deaf.client.waitClosed(5000);
      deafWs.client.ws.resume();
      await deafWs.client.waitClosed(5000);
      assert.equal(deafWs.client.closeCode, 1006, 'reset, not closed with a close frame');
    });
  },
);

function tableReadable(): boolean {
  try {
    readFileSync('/proc/net/tcp', 'utf8');
    return true;
  } catch {
    return false;
  }
}
