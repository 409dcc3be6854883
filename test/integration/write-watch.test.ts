import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { LineClient } from '../helpers/line-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { WsLineClient } from '../helpers/ws-line-client.js';

const PAYLOAD = 'x'.repeat(32 * 1024);
/** About 16 MiB: well past the kernel buffers between server and a client that stopped reading. */
const BURST = 500;

interface Reader {
  next(timeoutMs?: number): Promise<string>;
  send(line: string): void;
  close(): void;
}

describe('slow-consumer soft cap and write stall', { timeout: 30_000 }, () => {
  const servers: TestServer[] = [];
  const clients: Reader[] = [];
  after(async () => {
    for (const client of clients) client.close();
    for (const running of servers) await running.stop();
  });

  /**
   * A server with the given limits (and a hard cap far away), a reader, a stuck client and a
   * sender in one room; the sender floods, and the reason the stuck client was closed is returned.
   */
  async function floodStuckClient(
    settings: Record<string, unknown>,
    stuck: (running: TestServer) => Promise<{ client: Reader & { pause(): void }; id: number }>,
  ): Promise<string | undefined> {
    const logs: Record<string, unknown>[] = [];
    const running = await startTestServer(
      { tickIntervalMs: 20, maxQueuedBytes: 256 * 1024 * 1024, ...settings },
      undefined,
      { onLog: (entry) => logs.push(entry), logLevel: 'info' },
    );
    servers.push(running);
    const reader = await LineClient.login(running.port, 'reader');
    const slow = await stuck(running);
    const sender = await LineClient.login(running.port, 'sender');
    clients.push(reader.client, slow.client, sender.client);
    for (const { client } of [reader, slow, sender]) {
      client.send('2:room');
      while (!(await client.next()).startsWith('4:'));
    }
    slow.client.pause();
    sender.client.write(`3:0:${PAYLOAD}\n`.repeat(BURST));
    // The reader keeps up; it sees the stuck client leave at some point.
    for (;;) {
      const line = await reader.client.next(10_000);
      if (line === `2:${slow.id}:`) break;
    }
    const login = logs.find((entry) => entry.msg === 'login' && entry.clientId === slow.id);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const disconnect = logs.find(
      (entry) => entry.msg === 'disconnect' && entry.connId === login?.connId,
    );
    return disconnect?.reason as string | undefined;
  }

  const tcpStuck = async (running: TestServer) => {
    const { client, id } = await LineClient.login(running.port, 'stuck');
    return { client: Object.assign(client, { pause: () => client.socket.pause() }), id };
  };
  const wsStuck = async (running: TestServer) => {
    const { client, id } = await WsLineClient.login(running.httpPort, 'stuck');
    return { client: Object.assign(client, { pause: () => client.ws.pause() }), id };
  };

  it('closes a TCP client held above slowConsumerSoftBytes for slowConsumerSoftMs', async () => {
    const reason = await floodStuckClient(
      { slowConsumerSoftBytes: 256 * 1024, slowConsumerSoftMs: 300, writeStallMs: 0 },
      tcpStuck,
    );
    assert.equal(reason, 'slow_consumer');
  });

  it('closes a TCP client whose socket took nothing for writeStallMs', async () => {
    const reason = await floodStuckClient(
      { slowConsumerSoftBytes: 0, writeStallMs: 300 },
      tcpStuck,
    );
    assert.equal(reason, 'write_timeout');
  });

  it('closes a WebSocket client held above the soft cap', async () => {
    const reason = await floodStuckClient(
      { slowConsumerSoftBytes: 256 * 1024, slowConsumerSoftMs: 300, writeStallMs: 0 },
      wsStuck,
    );
    assert.equal(reason, 'slow_consumer');
  });

  it('closes a WebSocket client whose socket took nothing for writeStallMs', async () => {
    const reason = await floodStuckClient({ slowConsumerSoftBytes: 0, writeStallMs: 300 }, wsStuck);
    assert.equal(reason, 'write_timeout');
  });

  it('keeps a client that reads the same burst as it comes', async () => {
    const running = await startTestServer({
      tickIntervalMs: 20,
      maxQueuedBytes: 256 * 1024 * 1024,
      slowConsumerSoftBytes: 256 * 1024,
      slowConsumerSoftMs: 300,
      writeStallMs: 300,
    });
    servers.push(running);
    const reader = await LineClient.login(running.port, 'reader');
    const sender = await LineClient.login(running.port, 'sender');
    clients.push(reader.client, sender.client);
    for (const { client } of [reader, sender]) {
      client.send('2:room');
      while (!(await client.next()).startsWith('4:'));
    }
    await reader.client.next();
    sender.client.write(`3:0:${PAYLOAD}\n`.repeat(BURST));
    for (let index = 0; index < BURST; index += 1) {
      const line = await reader.client.next(10_000);
      assert.equal(line.length, `3:${sender.id}:`.length + PAYLOAD.length);
    }
    assert.equal(reader.client.closed, false);
  });
});
