import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { AdminSource, ConnectionView } from '../../src/admin/admin-source.js';
import { createMetrics } from '../../src/admin/metrics.js';
import type { RoomSnapshot, SessionSnapshot } from '../../src/core/relay.js';
import type { ConnId, Effect, TransportKind } from '../../src/core/types.js';
import { encodeError, encodeJoined, encodeLeft, encodeMessage } from '../../src/protocol/encode.js';
import { createEffectRunner } from '../../src/server/effect-runner.js';
import { ServerCounters } from '../../src/admin/server-counters.js';
import { newConnectionStats, type Connection } from '../../src/transports/connection.js';
import { metricValue } from '../helpers/metrics-text.js';

/** A connection that only records what it was asked to write. */
function fakeConnection(
  connId: ConnId,
  transport: TransportKind,
): Connection & { written: Buffer[] } {
  const written: Buffer[] = [];
  return {
    connId,
    transport,
    remoteIp: '127.0.0.1',
    remoteAddress: `127.0.0.1:${connId}`,
    queuedBytes: 0,
    stats: newConnectionStats(),
    written,
    write: (data) => written.push(data),
    close: () => {},
  };
}

/** A fake server: counters, an effect runner over fake connections, and fixed snapshots. */
function fixture(rooms: RoomSnapshot[] = [], sessions: SessionSnapshot[] = []) {
  const counters = new ServerCounters();
  const connections = new Map<ConnId, Connection & { written: Buffer[] }>([
    [1, fakeConnection(1, 'tcp')],
    [2, fakeConnection(2, 'tcp')],
    [3, fakeConnection(3, 'websocket')],
  ]);
  const run = createEffectRunner({
    connections,
    sendDatagram: () => {},
    authenticator: { verify: async () => true },
    answerAuth: () => {},
    logger: pino({ level: 'silent' }),
    counters,
  });
  const source: AdminSource = {
    relay: {
      rooms: () => rooms,
      room: (name) => rooms.find((room) => room.name === name),
      sessions: () => sessions,
      client: () => undefined,
      counts: () => ({
        connections: connections.size,
        clients: sessions.length,
        rooms: rooms.length,
        awaySessions: 0,
        awayBytes: 0,
      }),
    },
    counters,
    http: {
      connections: { open: 3, refused: 7 },
      responses: new Map([
        [200, 5],
        [403, 2],
      ]),
    },
    startedAt: 0,
    connection: (connId) => connections.get(connId),
    connections: (): Iterable<ConnectionView> => connections.values(),
    readiness: () => ({ ready: true, checks: {} }),
    kick: () => false,
    closeRoom: () => false,
  };
  const registry = createMetrics(source, { defaultMetrics: false, feedSubscribers: () => 2 });
  return { counters, connections, run, source, scrape: () => registry.metrics() };
}

const line = (text: string): Buffer => Buffer.from(text, 'utf8');
const room = (name: string, memberIds: number[]): RoomSnapshot => ({
  name,
  isPrivate: false,
  masterId: memberIds[0] ?? -1,
  memberIds,
});

describe('metrics: counting at the server boundary', () => {
  it('counts a fan-out once per recipient, split by transport, skipping the sender', async () => {
    const { run, scrape, connections } = fixture();
    const data = encodeMessage(1, line('hello'));
    const effect: Effect = {
      type: 'fanout',
      connIds: [1, 2, 3, 99],
      exceptConnId: 1,
      data,
      kind: 'message',
    };
    run(effect);
    run(effect);
    const text = await scrape();
    const tcp = { transport: 'tcp', kind: 'message' };
    const websocket = { transport: 'websocket', kind: 'message' };
    assert.equal(metricValue(text, 'roomwire_messages_out_total', tcp), 2);
    assert.equal(metricValue(text, 'roomwire_messages_out_total', websocket), 2);
    assert.equal(metricValue(text, 'roomwire_bytes_out_total', tcp), 2 * data.length);
    assert.equal(connections.get(1)?.written.length, 0);
    assert.equal(connections.get(3)?.written.length, 2);
  });

  it('counts each line under the kind the core gave it: joins, leaves, masters, errors, pings', async () => {
    const { run, scrape } = fixture();
    run({ type: 'send', connId: 1, data: encodeJoined(4, 'lobby'), kind: 'join' });
    run({ type: 'send', connId: 1, data: encodeLeft(4), kind: 'leave' });
    run({ type: 'send', connId: 1, data: encodeLeft(5), kind: 'leave' });
    run({ type: 'send', connId: 3, data: line('4:2\n'), kind: 'master' });
    run({ type: 'send', connId: 3, data: encodeError('not_in_room'), kind: 'error' });
    run({ type: 'send', connId: 3, data: line('8:t\n'), kind: 'ping' });
    run({ type: 'send', connId: 42, data: encodeLeft(5), kind: 'leave' });
    const text = await scrape();
    const out = (transport: string, kind: string) =>
      metricValue(text, 'roomwire_messages_out_total', { transport, kind });
    assert.equal(out('tcp', 'join'), 1);
    assert.equal(out('tcp', 'leave'), 2, 'the send to an unknown connection is not counted');
    assert.equal(out('websocket', 'master'), 1);
    assert.equal(out('websocket', 'error'), 1);
    assert.equal(out('websocket', 'ping'), 1);
    assert.equal(out('udp', 'message'), 0, 'every known series starts at zero');
  });

  it('reads the kind of an incoming line from its first byte, and 2:-1 as a leave', async () => {
    const { counters, scrape } = fixture();
    const lines = ['0:a:b', '1', '2:lobby', '2:-1', '3:0:x', '4:g:x', '5:g:1', '8:t', 'junk', ''];
    for (const text of lines) {
      counters.lineIn('tcp', line(text));
    }
    counters.lineIn('websocket', line('3:1:hi'));
    const text = await scrape();
    const kinds = ['login', 'rooms', 'join', 'leave', 'message', 'group_message', 'group', 'ping'];
    for (const kind of kinds) {
      assert.equal(metricValue(text, 'roomwire_messages_in_total', { transport: 'tcp', kind }), 1);
    }
    assert.equal(
      metricValue(text, 'roomwire_messages_in_total', { transport: 'tcp', kind: 'other' }),
      2,
    );
    assert.equal(
      metricValue(text, 'roomwire_bytes_in_total', { transport: 'websocket', kind: 'message' }),
      6,
    );
  });

  it('reads the kind of a datagram, in and out', async () => {
    const { counters, run, scrape } = fixture();
    for (const text of ['0:5', '7:0:Hello', '7:3:0:hi', '12:4:g:hi', 'junk', '7:9:x']) {
      counters.datagramIn(line(text));
    }
    const to = { ip: '127.0.0.1', port: 9 };
    run({ type: 'datagram', to, data: line('0:7:connected'), kind: 'bind' });
    run({ type: 'datagram', to, data: line('3:7:hi'), kind: 'message' });
    run({ type: 'datagram', to, data: line('9:not_in_room:join a room first'), kind: 'error' });
    const text = await scrape();
    const udp = (name: string, kind: string) => metricValue(text, name, { transport: 'udp', kind });
    assert.equal(udp('roomwire_messages_in_total', 'bind'), 2);
    assert.equal(udp('roomwire_messages_in_total', 'message'), 1);
    assert.equal(udp('roomwire_messages_in_total', 'group_message'), 1);
    assert.equal(udp('roomwire_messages_in_total', 'other'), 2);
    assert.equal(udp('roomwire_messages_out_total', 'bind'), 1);
    assert.equal(udp('roomwire_messages_out_total', 'message'), 1);
    assert.equal(udp('roomwire_messages_out_total', 'error'), 1);
    assert.equal(udp('roomwire_bytes_out_total', 'message'), 6);
  });

  it('counts refusals by code, UDP binds and drops, logins and admin actions from core events', async () => {
    const { run, counters, scrape } = fixture();
    const from = { ip: '10.0.0.1', port: 1 };
    run({ type: 'event', event: { kind: 'refused', connId: 1, code: 'not_in_room' } });
    run({ type: 'event', event: { kind: 'refused', connId: 2, code: 'not_in_room' } });
    run({ type: 'event', event: { kind: 'refused', connId: 1, code: 'room_full' } });
    run({ type: 'event', event: { kind: 'udp-bound', clientId: 1, address: from } });
    run({ type: 'event', event: { kind: 'udp-dropped', from, why: 'wrong-ip' } });
    run({ type: 'event', event: { kind: 'login', connId: 1, clientId: 1, username: 'a' } });
    run({ type: 'event', event: { kind: 'join', clientId: 1, room: 'r', created: true } });
    run({ type: 'event', event: { kind: 'kicked', connId: 1, clientId: 1, reason: 'x' } });
    run({ type: 'event', event: { kind: 'room-closed', room: 'r', memberIds: [], reason: 'x' } });
    counters.dropped('oversize');
    const text = await scrape();
    assert.equal(metricValue(text, 'roomwire_refusals_total', { code: 'not_in_room' }), 2);
    assert.equal(metricValue(text, 'roomwire_refusals_total', { code: 'room_full' }), 1);
    assert.equal(metricValue(text, 'roomwire_udp_binds_total'), 1);
    assert.equal(metricValue(text, 'roomwire_messages_dropped_total', { reason: 'wrong-ip' }), 1);
    assert.equal(metricValue(text, 'roomwire_messages_dropped_total', { reason: 'oversize' }), 1);
    assert.equal(metricValue(text, 'roomwire_logins_total'), 1);
    assert.equal(metricValue(text, 'roomwire_admin_actions_total', { action: 'kick' }), 1);
    assert.equal(metricValue(text, 'roomwire_admin_actions_total', { action: 'close_room' }), 1);
  });

  it('counts disconnects by transport and reason, slow consumers apart', async () => {
    const { counters, scrape } = fixture();
    counters.connectionOpened('tcp');
    counters.connectionOpened('websocket');
    counters.connectionClosed('tcp', 'slow_consumer');
    counters.connectionClosed('tcp', 'peer_closed');
    counters.connectionClosed('websocket', 'slow_consumer');
    const text = await scrape();
    const slow = 'roomwire_slow_consumer_disconnects_total';
    assert.equal(metricValue(text, slow, { transport: 'tcp' }), 1);
    assert.equal(metricValue(text, slow, { transport: 'websocket' }), 1);
    assert.equal(
      metricValue(text, 'roomwire_disconnects_total', { transport: 'tcp', reason: 'peer_closed' }),
      1,
    );
    assert.equal(metricValue(text, 'roomwire_connections_opened_total', { transport: 'tcp' }), 1);
  });
});

describe('metrics: read at scrape time', () => {
  it('reports connections by transport, clients, rooms and the room size histogram', async () => {
    const session: SessionSnapshot = {
      away: false,
      connId: 1,
      clientId: 1,
      username: 'a',
      transport: 'tcp',
      room: 'a',
      udpBound: true,
    };
    const { scrape } = fixture(
      [room('a', [1]), room('b', [2, 3, 4]), room('c', [5, 6, 7])],
      [session],
    );
    const text = await scrape();
    assert.equal(metricValue(text, 'roomwire_connections', { transport: 'tcp' }), 2);
    assert.equal(metricValue(text, 'roomwire_connections', { transport: 'websocket' }), 1);
    assert.equal(metricValue(text, 'roomwire_clients'), 1);
    assert.equal(metricValue(text, 'roomwire_rooms'), 3);
    assert.equal(metricValue(text, 'roomwire_udp_bound_clients'), 1);
    assert.equal(metricValue(text, 'roomwire_room_size_bucket', { le: '1' }), 1);
    assert.equal(metricValue(text, 'roomwire_room_size_bucket', { le: '2' }), 1);
    assert.equal(metricValue(text, 'roomwire_room_size_bucket', { le: '3' }), 3);
    assert.equal(metricValue(text, 'roomwire_room_size_count'), 3);
    assert.equal(metricValue(text, 'roomwire_room_size_sum'), 7);
    assert.equal(metricValue(text, 'roomwire_live_feed_subscribers'), 2);
  });

  it('reports the HTTP server’s open and refused connections and its responses by status', async () => {
    const text = await fixture([]).scrape();
    assert.equal(metricValue(text, 'roomwire_http_connections'), 3);
    assert.equal(metricValue(text, 'roomwire_http_connections_refused_total'), 7);
    assert.equal(metricValue(text, 'roomwire_http_responses_total', { status: '200' }), 5);
    assert.equal(metricValue(text, 'roomwire_http_responses_total', { status: '403' }), 2);
  });

  it('reflects the rooms of each scrape, not a sum over scrapes', async () => {
    const rooms = [room('a', [1, 2])];
    const { scrape } = fixture(rooms);
    await scrape();
    rooms.pop();
    const text = await scrape();
    assert.equal(metricValue(text, 'roomwire_room_size_count'), 0);
    assert.equal(metricValue(text, 'roomwire_rooms'), 0);
  });

  it('keeps each server’s metrics in its own registry, with Node’s defaults on request', async () => {
    const first = fixture();
    const second = fixture();
    first.counters.lineIn('tcp', line('1'));
    const kind = { transport: 'tcp', kind: 'rooms' };
    assert.equal(metricValue(await first.scrape(), 'roomwire_messages_in_total', kind), 1);
    assert.equal(metricValue(await second.scrape(), 'roomwire_messages_in_total', kind), 0);
    const withDefaults = createMetrics(second.source);
    const text = await withDefaults.metrics();
    assert.ok(text.includes('nodejs_eventloop_lag_seconds'), 'event-loop lag');
    assert.ok(text.includes('nodejs_heap_size_used_bytes'), 'heap');
    assert.ok(text.includes('nodejs_gc_duration_seconds'), 'garbage collection');
  });
});
