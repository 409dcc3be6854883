import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RoomwireError } from '../../src/client/errors.js';
import { backoffDelay, resolveReconnect } from '../../src/client/reconnect.js';
import type { ClientEvents } from '../../src/client/roomwire-client.js';
import { fakeClient, loggedIn, type FakeSetup } from '../helpers/fake-client-transport.js';

const isCode = (code: string) => (error: unknown) =>
  error instanceof RoomwireError && error.code === code;

async function joinRoom(setup: FakeSetup, id: number, room: string): Promise<void> {
  const join = setup.client.join(room, 'pw');
  setup.wire().receive(`2:${id}:${room}`, `4:${id}`);
  await join;
}

describe('the client library: UDP', () => {
  it('repeats the bind datagram until 0:<id>:connected comes back', async () => {
    const setup = fakeClient({ udpRetryMs: 100 });
    await loggedIn(setup, 5);
    const bound = setup.client.bindUdp();
    await setup.timers.advance(250);
    const udp = setup.wire().datagrams;
    assert.deepEqual(udp?.sent, ['0:5', '0:5', '0:5']);
    udp?.receive('0:4:connected');
    assert.equal(setup.client.udpBound, false);
    udp?.receive('0:5:connected');
    await bound;
    assert.equal(setup.client.udpBound, true);
    await setup.timers.advance(1000);
    assert.equal(udp?.sent.length, 3);
  });

  it('sends unreliable messages as <id>:3:<mode>:payload and emits those that arrive', async () => {
    const setup = fakeClient();
    await loggedIn(setup, 5);
    await joinRoom(setup, 5, 'arena');
    const bound = setup.client.bindUdp();
    await setup.timers.advance(0);
    setup.wire().datagrams?.receive('0:5:connected');
    await bound;
    setup.client.sendUnreliable(0, 'pos:1,2');
    assert.equal(setup.wire().datagrams?.sent.at(-1), '5:3:0:pos:1,2');
    const messages: ClientEvents['message'][] = [];
    const errors: RoomwireError[] = [];
    setup.client.on('message', (event) => messages.push(event));
    setup.client.on('error', (error) => errors.push(error));
    setup.wire().datagrams?.receive('3:6:pos:3,4');
    setup.wire().datagrams?.receive('9:not_in_room:join a room first');
    setup.wire().datagrams?.receive('junk');
    assert.deepEqual(messages, [{ senderId: 6, payload: 'pos:3,4', unreliable: true }]);
    assert.deepEqual(
      errors.map((error) => error.code),
      ['not_in_room'],
    );
  });

  it('refuses sendUnreliable before the bind, and where there is no UDP', async () => {
    const setup = fakeClient();
    await loggedIn(setup, 5);
    await joinRoom(setup, 5, 'arena');
    assert.throws(() => setup.client.sendUnreliable(0, 'x'), isCode('udp_not_bound'));
    const browser = fakeClient({ udp: false });
    await loggedIn(browser, 6);
    await joinRoom(browser, 6, 'arena');
    assert.throws(() => browser.client.sendUnreliable(0, 'x'), isCode('udp_unavailable'));
    await assert.rejects(browser.client.bindUdp(), isCode('udp_unavailable'));
  });

  it('gives up the bind after udpBindTimeoutMs', async () => {
    const setup = fakeClient({ udpRetryMs: 100, udpBindTimeoutMs: 1000 });
    await loggedIn(setup, 5);
    const bound = setup.client.bindUdp();
    const rejected = assert.rejects(bound, isCode('timeout'));
    await setup.timers.advance(1000);
    await rejected;
    assert.equal(setup.timers.pendingCount, 0);
  });
});

describe('the client library: reconnecting', () => {
  it('checks its options and spreads delays between half and all of the backoff', () => {
    assert.equal(resolveReconnect(false), undefined);
    assert.throws(() => resolveReconnect({ factor: 0.5 }), TypeError);
    const options = resolveReconnect({ initialDelayMs: 100, maxDelayMs: 1000 });
    assert.ok(options !== undefined);
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((attempt) => backoffDelay(options, attempt, () => 1)),
      [100, 200, 400, 800, 1000],
    );
    assert.equal(
      backoffDelay(options, 2, () => 0),
      100,
    );
  });

  it('reconnects with backoff, logs in again, rebinds UDP and rejoins the room', async () => {
    const setup = fakeClient({ reconnect: { initialDelayMs: 100, maxDelayMs: 400 } });
    await loggedIn(setup, 5, 'bot');
    await joinRoom(setup, 5, 'arena');
    const bound = setup.client.bindUdp();
    await setup.timers.advance(0);
    setup.wire().datagrams?.receive('0:5:connected');
    await bound;
    const events: string[] = [];
    setup.client.on('close', (e) => events.push(`close ${e.error?.code} ${e.reconnecting}`));
    setup.client.on('reconnected', (e) => events.push(`reconnected ${e.clientId} ${e.room}`));

    setup.failNextOpens(2);
    setup.wire().drop();
    assert.equal(setup.client.status, 'reconnecting');
    assert.throws(() => setup.client.send(0, 'x'), isCode('not_connected'));
    await setup.timers.advance(100 + 200 + 400);
    assert.equal(setup.transports.length, 4);
    const wire = setup.wire();
    assert.deepEqual(wire.sent, ['0:bot:pw']);
    wire.receive('0:9');
    await setup.timers.advance(0);
    assert.deepEqual(wire.datagrams?.sent, ['0:9']);
    wire.datagrams?.receive('0:9:connected');
    await setup.timers.advance(0);
    assert.deepEqual(wire.sent, ['0:bot:pw', '2:arena:pw']);
    wire.receive('2:9:arena', '2:1:arena', '4:1');
    await setup.timers.advance(0);
    assert.deepEqual(events, ['close connection_closed true', 'reconnected 9 arena']);
    assert.equal(setup.client.status, 'open');
    assert.deepEqual(setup.client.room, { name: 'arena', members: [1, 9], masterId: 1 });
  });

  it('fires reconnected after a resume only once the missed lines came, each in a read of its own', async () => {
    const setup = fakeClient({ reconnect: { initialDelayMs: 100 }, udp: false });
    await setup.client.connect();
    const login = setup.client.login('me', 'pw');
    setup.wire().receive('0:5:token-of-sixteen-chars');
    await login;
    await joinRoom(setup, 5, 'arena');
    const events: string[] = [];
    setup.client.on('message', (m) => events.push(`message ${m.senderId} ${m.payload}`));
    setup.client.on('error', (e) => events.push(`error ${e.code}`));
    setup.client.on('reconnected', (e) => events.push(`reconnected ${e.resumed} ${e.replayed}`));

    setup.wire().drop();
    await setup.timers.advance(100);
    const wire = setup.wire();
    assert.match(wire.sent[0] ?? '', /^6:5:token-of-sixteen-chars:2$/);
    // As a browser gets them: the answer and each missed line in a WebSocket message of its own.
    // A replayed refusal answered a command of the lost connection: an error event.
    for (const line of ['6:5:3', '3:1:one', '9:rate_limited:too many', '3:1:two']) {
      wire.receive(line);
      await setup.timers.advance(0);
    }
    assert.deepEqual(events, [
      'message 1 one',
      'error rate_limited',
      'message 1 two',
      'reconnected true 3',
    ]);
    assert.equal(setup.client.clientId, 5);
    assert.equal(setup.client.room?.name, 'arena');
  });

  it('does not rejoin a room it left, and does not reconnect after a kick', async () => {
    const setup = fakeClient({ reconnect: { initialDelayMs: 100 } });
    await loggedIn(setup, 5);
    await joinRoom(setup, 5, 'arena');
    setup.wire().receive('2:5:');
    setup.wire().drop();
    await setup.timers.advance(100);
    setup.wire().receive('0:6');
    await setup.timers.advance(0);
    assert.deepEqual(setup.wire().sent, ['0:me:pw']);
    assert.equal(setup.client.status, 'open');

    const closes: ClientEvents['close'][] = [];
    setup.client.on('close', (event) => closes.push(event));
    setup.wire().receive('9:kicked:removed by an administrator');
    setup.wire().drop();
    await setup.timers.advance(10_000);
    assert.equal(setup.transports.length, 2);
    assert.equal(closes[0]?.reconnecting, false);
    assert.equal(setup.client.status, 'closed');
  });

  it('stops after maxAttempts, or when closed while waiting', async () => {
    const setup = fakeClient({ reconnect: { initialDelayMs: 100, maxAttempts: 2 } });
    await loggedIn(setup);
    const closes: ClientEvents['close'][] = [];
    setup.client.on('close', (event) => closes.push(event));
    setup.failNextOpens(5);
    setup.wire().drop();
    await setup.timers.advance(10_000);
    assert.equal(setup.transports.length, 3);
    assert.deepEqual(
      closes.map((event) => [event.reconnecting, event.error?.code]),
      [
        [true, 'connection_closed'],
        [false, 'connect_failed'],
      ],
    );

    const other = fakeClient({ reconnect: true });
    await loggedIn(other);
    const otherCloses: boolean[] = [];
    other.client.on('close', (event) => otherCloses.push(event.reconnecting));
    other.wire().drop();
    await other.client.close();
    await other.timers.advance(10_000);
    assert.deepEqual(otherCloses, [true, false]);
    assert.equal(other.transports.length, 1);
  });

  it('gives up when the login is refused on reconnect', async () => {
    const setup = fakeClient({ reconnect: { initialDelayMs: 10 } });
    await loggedIn(setup);
    const closes: ClientEvents['close'][] = [];
    setup.client.on('close', (event) => closes.push(event));
    setup.wire().drop();
    await setup.timers.advance(10);
    setup.wire().receive('9:auth_failed:wrong username or password');
    await setup.timers.advance(10_000);
    assert.equal(setup.transports.length, 2);
    assert.equal(closes.at(-1)?.error?.code, 'auth_failed');
    assert.equal(setup.client.status, 'closed');
  });
});
