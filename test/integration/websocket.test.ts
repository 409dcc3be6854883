import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { LineClient } from '../helpers/line-client.js';
import { QUEUE_FILLING } from '../helpers/flood.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { WsLineClient } from '../helpers/ws-line-client.js';

/** Starts a server for one describe block; closes every client and the server after it. */
function serverFor(settings: Record<string, unknown> = {}): {
  readonly get: () => TestServer;
  readonly ws: () => Promise<WsLineClient>;
  readonly wsLogin: (name: string) => Promise<{ client: WsLineClient; id: number }>;
  readonly tcpLogin: (name: string) => Promise<{ client: LineClient; id: number }>;
} {
  let server: TestServer | undefined;
  const open: { close(): void }[] = [];
  before(async () => {
    server = await startTestServer(settings);
  });
  after(async () => {
    for (const client of open) client.close();
    await server?.stop();
  });
  const get = (): TestServer => server ?? assert.fail('server not started');
  const track = <T extends { client: { close(): void } }>(result: T): T => {
    open.push(result.client);
    return result;
  };
  return {
    get,
    ws: async () => {
      const client = await WsLineClient.connect(get().httpPort);
      open.push(client);
      return client;
    },
    wsLogin: async (name) => track(await WsLineClient.login(get().httpPort, name)),
    tcpLogin: async (name) => track(await LineClient.login(get().port, name)),
  };
}

describe('the WebSocket transport', { timeout: 20_000 }, () => {
  describe('in a room with TCP clients', () => {
    const fixture = serverFor();

    it('joins the same room as a TCP client, with the same join sequence', async () => {
      const tcp = await fixture.tcpLogin('headset');
      const ws = await fixture.wsLogin('browser');
      tcp.client.send('2:mixed');
      assert.deepEqual(await tcp.client.nextLines(2), [`2:${tcp.id}:mixed`, `4:${tcp.id}`]);
      ws.client.send('2:mixed');
      assert.deepEqual(await ws.client.nextLines(3), [
        `2:${ws.id}:mixed`,
        `2:${tcp.id}:mixed`,
        `4:${tcp.id}`,
      ]);
      assert.equal(await tcp.client.next(), `2:${ws.id}:mixed`);

      // Every mode, both ways: 0 and 2 skip the sender, 1 and 3 include it.
      for (const mode of [0, 1, 2, 3]) {
        ws.client.send(`3:${mode}:from ws: mode ${mode}`);
        assert.equal(await tcp.client.next(), `3:${ws.id}:from ws: mode ${mode}`);
        if (mode % 2 === 1)
          assert.equal(await ws.client.next(), `3:${ws.id}:from ws: mode ${mode}`);
        tcp.client.send(`3:${mode}:from tcp`);
        assert.equal(await ws.client.next(), `3:${tcp.id}:from tcp`);
        if (mode % 2 === 1) assert.equal(await tcp.client.next(), `3:${tcp.id}:from tcp`);
      }

      // Groups cross transports too.
      ws.client.send(`5:pair:${tcp.id}:${ws.id}`);
      ws.client.send('4:pair:to the group');
      assert.equal(await tcp.client.next(), `3:${ws.id}:to the group`);
      assert.equal(await ws.client.next(), `3:${ws.id}:to the group`);

      ws.client.send('2:-1');
      assert.equal(await ws.client.next(), `2:${ws.id}:`);
      assert.equal(await tcp.client.next(), `2:${ws.id}:`);
      assert.deepEqual([await tcp.client.quiet(50), await ws.client.quiet(0)], [[], []]);
    });

    it('reads a trailing newline, CRLF, several lines in one message and binary frames alike', async () => {
      const { client } = await fixture.wsLogin('framing');
      client.send('1\n');
      assert.match(await client.next(), /^1:/);
      client.send('2:framing-room\r\n');
      const [joined] = await client.nextLines(2);
      assert.match(joined ?? '', /^2:\d+:framing-room$/);
      client.send('3:1:one\n3:1:two\r\n\n3:1:three');
      assert.deepEqual(
        (await client.nextLines(3)).map((line) => line.split(':').slice(2).join(':')),
        ['one', 'two', 'three'],
      );
      client.write(Buffer.from('3:1:binary frame'), true);
      assert.match(await client.next(), /^3:\d+:binary frame$/);
      client.send('');
      assert.deepEqual(await client.quiet(50), []);
    });

    it('answers protocol errors with the same 9: lines as TCP and stays open', async () => {
      const client = await fixture.ws();
      client.send('2:lobby');
      assert.match(await client.next(), /^9:not_logged_in:/);
      client.write(Buffer.from([0x30, 0x3a, 0xff, 0x3a, 0x78]));
      assert.match(await client.next(), /^9:invalid_utf8:/);
      client.send('0:after:pw');
      assert.match(await client.next(), /^0:\d+(?::[\w-]+)?$/);
      client.send('7');
      assert.match(await client.next(), /^9:unknown_command:/);
      assert.equal(client.closed, false);
    });

    it('hands the core a session marked as a WebSocket one', async () => {
      const { id } = await fixture.wsLogin('marked');
      assert.equal(fixture.get().server.view.client(id)?.transport, 'websocket');
    });
  });

  describe('limits', () => {
    const fixture = serverFor({ maxLineLength: 64, closeFlushMs: 200 });

    it('refuses a message longer than maxLineLength with 9:line_too_long and closes', async () => {
      const { client } = await fixture.wsLogin('long');
      client.send(`3:0:${'x'.repeat(61)}`);
      assert.match(await client.next(), /^9:line_too_long:/);
      await client.waitClosed();
      assert.equal(client.closeCode, 1000);
      assert.equal(client.closeReason, 'line_too_long');
    });

    it('accepts a line of exactly maxLineLength bytes plus CRLF', async () => {
      const { client, id } = await fixture.wsLogin('exact');
      client.send('2:exact');
      await client.nextLines(2);
      client.send(`3:1:${'y'.repeat(60)}\r\n`);
      assert.equal(await client.next(), `3:${id}:${'y'.repeat(60)}`);
    });

    it('closes with 1009 at once for a message far over the limit, before reading it', async () => {
      const { client } = await fixture.wsLogin('huge');
      const tcp = await fixture.tcpLogin('still-served');
      client.send('x'.repeat(10_000));
      await client.waitClosed();
      assert.equal(client.closeCode, 1009);
      tcp.client.send('1');
      assert.match(await tcp.client.next(), /^1:/);
    });
  });

  describe('a WebSocket client that stops reading', () => {
    // The flood must fill the reader's queue: the byte-rate limit (issue 15) is off here.
    const fixture = serverFor({ maxQueuedBytes: 64 * 1024, closeFlushMs: 5000, ...QUEUE_FILLING });

    it('is dropped as a slow consumer without stalling the others', async () => {
      const reader = await fixture.tcpLogin('reader');
      const slow = await fixture.wsLogin('slow');
      const sender = await fixture.wsLogin('sender');
      for (const player of [reader, slow, sender]) {
        player.client.send('2:flood');
        while (!(await player.client.next()).startsWith('4:'));
      }
      await reader.client.nextLines(2);
      await slow.client.nextLines(1);
      slow.client.ws.pause();
      const payload = 'z'.repeat(32 * 1024);
      let slowLeft = false;
      for (let index = 0; index < 400 && !slowLeft; index += 1) {
        sender.client.send(`3:0:${index}:${payload}`);
        let line = await reader.client.next();
        if (line === `2:${slow.id}:`) {
          slowLeft = true;
          line = await reader.client.next();
        }
        assert.equal(line.slice(0, 20), `3:${sender.id}:${index}:`.padEnd(20, 'z'));
      }
      assert.ok(slowLeft, 'the slow client was never dropped');
      slow.client.ws.resume();
      await slow.client.waitClosed(5000);
      assert.match(slow.client.lines.at(-1) ?? '', /^9:slow_consumer:/);
      assert.equal(slow.client.closeReason, 'slow_consumer');
    });
  });

  describe('the upgrade request', () => {
    const fixture = serverFor({ wsAllowedOrigins: 'https://game.example, http://localhost:8080/' });

    it('lets in allowed origins and clients that send no origin', async () => {
      const port = fixture.get().httpPort;
      for (const origin of ['https://game.example', 'http://LOCALHOST:8080', undefined]) {
        const client = await WsLineClient.connect(port, origin === undefined ? {} : { origin });
        client.send('1');
        assert.match(await client.next(), /^9:not_logged_in:/);
        client.close();
      }
    });

    it('refuses another origin with 403 and another path with 404', async () => {
      const port = fixture.get().httpPort;
      await assert.rejects(
        WsLineClient.connect(port, { origin: 'https://evil.example' }),
        /upgrade refused: 403/,
      );
      await assert.rejects(WsLineClient.connect(port, { path: '/other' }), /upgrade refused: 404/);
    });
  });

  describe('keepalive', () => {
    // A cut peer's session waits resumeTtlMs for a resume (protocol §10), then leaves.
    const fixture = serverFor({ wsPingIntervalMs: 100, resumeTtlMs: 300 });

    it('cuts a peer that stops answering pings, and keeps one that answers', async () => {
      const port = fixture.get().httpPort;
      const alive = await fixture.wsLogin('alive');
      const dead = new WebSocket(`ws://127.0.0.1:${port}/ws`, { autoPong: false });
      await new Promise((resolve) => dead.once('open', resolve));
      dead.send('0:dead:pw');
      const closed = new Promise<number>((resolve) => dead.once('close', resolve));
      alive.client.send('2:keepalive');
      await alive.client.nextLines(2);
      dead.send('2:keepalive');
      assert.match(await alive.client.next(), /^2:\d+:keepalive$/);
      // Missing the pong of one interval means being cut at the next: about 200 ms.
      assert.equal(await closed, 1006);
      assert.match(await alive.client.next(), /^2:\d+:$/);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(alive.client.closed, false);
    });
  });

  describe('shutdown', () => {
    it('tells WebSocket clients 9:shutting_down as well, then closes them normally', async () => {
      const server = await startTestServer();
      const ws = await WsLineClient.login(server.httpPort, 'ws');
      const tcp = await LineClient.login(server.port, 'tcp');
      const stopped = server.stop();
      assert.match(await ws.client.next(), /^9:shutting_down:/);
      assert.match(await tcp.client.next(), /^9:shutting_down:/);
      await ws.client.waitClosed();
      assert.deepEqual([ws.client.closeCode, ws.client.closeReason], [1000, 'shutting_down']);
      await stopped;
      tcp.client.close();
    });

    it('cuts a WebSocket client that never reads once the grace period is over', async () => {
      const server = await startTestServer({ shutdownGraceMs: 300, closeFlushMs: 5000 });
      const { client } = await WsLineClient.login(server.httpPort, 'stuck');
      client.ws.pause();
      const started = Date.now();
      await server.stop();
      assert.ok(Date.now() - started < 2000, `stop took ${Date.now() - started} ms`);
      client.close();
    });
  });
});
