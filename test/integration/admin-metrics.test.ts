import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../helpers/admin-http.js';
import { QUEUE_FILLING } from '../helpers/flood.js';
import { TOKEN, useAdminServer } from '../helpers/admin-server.js';
import { metricValue } from '../helpers/metrics-text.js';
import { UdpClient } from '../helpers/udp-client.js';
import { WsLineClient } from '../helpers/ws-line-client.js';

describe('metrics over a running server', { timeout: 30_000 }, () => {
  const fixture = useAdminServer({ adminToken: TOKEN, maxLineLength: 256 });
  const scrape = () => fixture.api().metrics();
  const value = async (name: string, labels: Record<string, string> = {}) =>
    metricValue(await scrape(), name, labels) ?? 0;

  it('serves Prometheus text with Node’s own metrics next to ours', async () => {
    const response = await fixture.api().fetch('/metrics');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    for (const name of [
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'roomwire_connections',
      'roomwire_messages_out_total',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
  });

  it('moves the message and byte counters by transport and kind when messages are relayed', async () => {
    const tcpMessage = { transport: 'tcp', kind: 'message' };
    const before = {
      out: await value('roomwire_messages_out_total', tcpMessage),
      in: await value('roomwire_messages_in_total', tcpMessage),
      bytes: await value('roomwire_bytes_out_total', tcpMessage),
      joins: await value('roomwire_messages_out_total', { transport: 'tcp', kind: 'join' }),
    };
    const alice = await fixture.member('alice', 'chat');
    const bob = await fixture.member('bob', 'chat');
    const carol = await fixture.member('carol', 'chat');
    for (let index = 0; index < 3; index += 1) alice.client.send('3:0:hi');
    for (const { client } of [bob, carol]) {
      await eventually(() =>
        assert.equal(client.lines.filter((line) => line === `3:${alice.id}:hi`).length, 3),
      );
    }
    const text = await scrape();
    assert.equal(metricValue(text, 'roomwire_messages_in_total', tcpMessage), before.in + 3);
    assert.equal(metricValue(text, 'roomwire_messages_out_total', tcpMessage), before.out + 6);
    assert.equal(
      metricValue(text, 'roomwire_bytes_out_total', tcpMessage),
      before.bytes + 6 * Buffer.byteLength(`3:${alice.id}:hi\n`),
    );
    // Joins of a three-member room: 1 + 2 + 3 announcements, plus 0 + 1 + 2 of earlier members.
    assert.equal(
      metricValue(text, 'roomwire_messages_out_total', { transport: 'tcp', kind: 'join' }),
      before.joins + 9,
    );
    assert.equal(metricValue(text, 'roomwire_room_size_bucket', { le: '3' }), 1);
  });

  it('labels the traffic of a WebSocket client as websocket, in the API and the metrics', async () => {
    const ws = await WsLineClient.login(fixture.server().httpPort, 'webby');
    fixture.track(ws.client);
    const tcp = await fixture.member('tcp-friend', 'mixed');
    ws.client.send('2:mixed');
    await ws.client.nextLines(3);
    ws.client.send('3:0:from the browser');
    await eventually(() => assert.ok(tcp.client.lines.includes(`3:${ws.id}:from the browser`)));
    const text = await scrape();
    const wsIn = { transport: 'websocket', kind: 'message' };
    assert.equal(metricValue(text, 'roomwire_messages_in_total', wsIn), 1);
    assert.equal(metricValue(text, 'roomwire_messages_out_total', wsIn), 0);
    const wsJoins = { transport: 'websocket', kind: 'join' };
    assert.equal(metricValue(text, 'roomwire_messages_out_total', wsJoins), 2);
    assert.equal(metricValue(text, 'roomwire_connections', { transport: 'websocket' }), 1);
    const { body } = await fixture.api().call('/api/rooms/mixed');
    const members = body.members as { username: string; transports: string[] }[];
    assert.deepEqual(
      members.map((member) => [member.username, member.transports]),
      [
        ['tcp-friend', ['tcp']],
        ['webby', ['websocket']],
      ],
    );
  });

  it('follows the gauges of connections, clients and rooms', async () => {
    const rooms = await value('roomwire_rooms');
    const clients = await value('roomwire_clients');
    const tcp = await value('roomwire_connections', { transport: 'tcp' });
    const dave = await fixture.member('dave', 'gauges');
    assert.equal(await value('roomwire_rooms'), rooms + 1);
    assert.equal(await value('roomwire_clients'), clients + 1);
    assert.equal(await value('roomwire_connections', { transport: 'tcp' }), tcp + 1);
    dave.client.close();
    await eventually(async () => assert.equal(await value('roomwire_rooms'), rooms));
    assert.equal(await value('roomwire_clients'), clients);
    const closed = { transport: 'tcp', reason: 'peer_closed' };
    assert.ok((await value('roomwire_disconnects_total', closed)) >= 1);
  });

  it('counts refusals by code, also those of transport limits', async () => {
    const erin = await fixture.member('erin');
    const notInRoom = await value('roomwire_refusals_total', { code: 'not_in_room' });
    erin.client.send('2:-1');
    erin.client.send('3:0:nobody');
    assert.equal(await erin.client.next(), '9:not_in_room:join a room first');
    await erin.client.next();
    assert.equal(await value('roomwire_refusals_total', { code: 'not_in_room' }), notInRoom + 2);
    erin.client.send('x'.repeat(300));
    await erin.client.waitClosed();
    assert.equal(await value('roomwire_refusals_total', { code: 'line_too_long' }), 1);
    const reason = { transport: 'tcp', reason: 'line_too_long' };
    await eventually(async () =>
      assert.equal(await value('roomwire_disconnects_total', reason), 1),
    );
  });

  it('counts UDP binds, datagrams by kind, and drops with their reason', async () => {
    const frank = await fixture.member('frank', 'udp-room');
    const udp = fixture.track(await UdpClient.open(fixture.server().port));
    const stranger = fixture.track(await UdpClient.open(fixture.server().port));
    assert.equal(await udp.sendUntilAnswered(`0:${frank.id}`), `0:${frank.id}:connected`);
    await udp.send(`${frank.id}:3:1:ping`);
    assert.equal(await udp.next(), `3:${frank.id}:ping`);
    await stranger.send(`${frank.id}:3:1:spoofed`);
    await eventually(async () => {
      const text = await scrape();
      assert.equal(metricValue(text, 'roomwire_udp_binds_total'), 1);
      assert.equal(metricValue(text, 'roomwire_messages_dropped_total', { reason: 'unbound' }), 1);
      const udpIn = (kind: string) =>
        metricValue(text, 'roomwire_messages_in_total', { transport: 'udp', kind });
      assert.ok((udpIn('bind') ?? 0) >= 1);
      assert.equal(udpIn('message'), 2);
      const udpOut = { transport: 'udp', kind: 'message' };
      assert.equal(metricValue(text, 'roomwire_messages_out_total', udpOut), 1);
      assert.equal(metricValue(text, 'roomwire_udp_bound_clients'), 1);
    });
  });

  it('counts admin actions and the disconnects they cause', async () => {
    const gina = await fixture.member('gina', 'admin-room');
    await fixture.api().call(`/api/clients/${gina.id}/kick`, { method: 'POST', token: TOKEN });
    await gina.client.waitClosed();
    await fixture.member('hank', 'admin-room-2');
    await fixture.api().call('/api/rooms/admin-room-2', { method: 'DELETE', token: TOKEN });
    await eventually(async () => {
      const text = await scrape();
      assert.equal(metricValue(text, 'roomwire_admin_actions_total', { action: 'kick' }), 1);
      assert.equal(metricValue(text, 'roomwire_admin_actions_total', { action: 'close_room' }), 1);
      const kicked = { transport: 'tcp', reason: 'kicked' };
      assert.equal(metricValue(text, 'roomwire_disconnects_total', kicked), 1);
      const closed = { transport: 'tcp', kind: 'error' };
      assert.ok((metricValue(text, 'roomwire_messages_out_total', closed) ?? 0) >= 2);
    });
  });
});

describe('metrics: slow consumers', { timeout: 30_000 }, () => {
  // The flood must fill the reader's queue: the byte-rate limit (issue 15) is off here.
  const fixture = useAdminServer({ maxQueuedBytes: 64 * 1024, closeFlushMs: 20, ...QUEUE_FILLING });

  it('counts a client dropped for not reading', async () => {
    const sender = await fixture.member('sender', 'flood');
    const slow = await fixture.member('slow', 'flood');
    await sender.client.quiet(20);
    slow.client.socket.pause();
    const payload = 'x'.repeat(32 * 1024);
    for (let sent = 0; sent < 2000; sent += 1) {
      sender.client.send(`3:0:${payload}`);
      if (sent % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      if (sender.client.lines.includes(`2:${slow.id}:`)) break;
    }
    const slowCounter = 'roomwire_slow_consumer_disconnects_total';
    await eventually(async () => {
      const text = await fixture.api().metrics();
      assert.equal(metricValue(text, slowCounter, { transport: 'tcp' }), 1);
    }, 5000);
  });
});
