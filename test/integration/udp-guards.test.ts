import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdminClient, eventually } from '../helpers/admin-http.js';
import { LineClient } from '../helpers/line-client.js';
import { metricValue } from '../helpers/metrics-text.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { UdpClient } from '../helpers/udp-client.js';

const MAX_DATAGRAM_BYTES = 512;
const BURST = 10;

describe('UDP: junk, oversize and floods are dropped and counted', { timeout: 20_000 }, () => {
  let server: TestServer;
  const closers: { close(): void }[] = [];
  let sender: { client: LineClient; id: number };
  let reader: { client: LineClient; id: number };
  let senderUdp: UdpClient;
  let readerUdp: UdpClient;

  const dropped = async (reason: string): Promise<number> =>
    metricValue(
      await AdminClient.forPort(server.httpPort).metrics(),
      'roomwire_messages_dropped_total',
      { reason },
    ) ?? 0;

  before(async () => {
    server = await startTestServer({
      maxDatagramBytes: MAX_DATAGRAM_BYTES,
      // Datagrams get their own bucket; the lines' bucket is far away.
      rateLimitPerSecond: 1,
      rateLimitBurst: BURST,
      tickIntervalMs: 20,
    });
    sender = await LineClient.login(server.port, 'sender');
    reader = await LineClient.login(server.port, 'reader');
    closers.push(sender.client, reader.client);
    for (const { client } of [sender, reader]) await client.joinRoom('field');
    senderUdp = await UdpClient.open(server.port);
    readerUdp = await UdpClient.open(server.port);
    closers.push(senderUdp, readerUdp);
    assert.equal(await senderUdp.sendUntilAnswered(`0:${sender.id}`), `0:${sender.id}:connected`);
    assert.equal(await readerUdp.sendUntilAnswered(`0:${reader.id}`), `0:${reader.id}:connected`);
  });
  after(async () => {
    for (const closer of closers) closer.close();
    await server.stop();
  });

  it('drops a datagram over maxDatagramBytes without an answer, and counts it', async () => {
    const before = await dropped('oversize');
    await senderUdp.send(`${sender.id}:3:0:${'x'.repeat(MAX_DATAGRAM_BYTES)}`);
    await eventually(async () => assert.equal(await dropped('oversize'), before + 1));
    assert.deepEqual(await senderUdp.quiet(100), []);
    assert.deepEqual(await readerUdp.quiet(0), []);
  });

  it('never answers junk from an unbound address, and counts it', async () => {
    const stranger = await UdpClient.open(server.port);
    closers.push(stranger);
    const before = await dropped('unbound');
    for (const junk of ['junk', '\x00\xff', `${reader.id}:3:0:spoof`, ':::', '9:9:9']) {
      await stranger.send(junk);
    }
    await eventually(async () => assert.equal(await dropped('unbound'), before + 5));
    assert.deepEqual(await stranger.quiet(100), []);
    assert.deepEqual(await readerUdp.quiet(0), []);
  });

  it('drops datagrams over the rate limit silently and counts them, keeping TCP open', async () => {
    // The bind took one token of the datagram bucket.
    for (let index = 0; index < 3 * BURST; index += 1) {
      await senderUdp.send(`${sender.id}:3:0:d${index}`);
    }
    await eventually(async () => {
      const dropped = await AdminClient.forPort(server.httpPort).metrics();
      assert.ok(
        (metricValue(dropped, 'roomwire_messages_dropped_total', { reason: 'udp-rate-limited' }) ??
          0) > 0,
      );
    });
    const relayed = await readerUdp.quiet(100);
    assert.ok(
      // Retried binds take tokens too, and the bucket refills slowly: only some got through.
      relayed.length > 0 && relayed.length < 3 * BURST,
      `${relayed.length} relayed`,
    );
    assert.deepEqual(await senderUdp.quiet(0), []);
    sender.client.send('3:0:tcp still works');
    assert.equal(await reader.client.next(), `3:${sender.id}:tcp still works`);
  });
});
