import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RoomwireError } from '../../src/client/errors.js';
import type { ClientEvents } from '../../src/client/roomwire-client.js';
import { fakeClient, loggedIn, settle } from '../helpers/fake-client-transport.js';

const isCode = (code: string) => (error: unknown) =>
  error instanceof RoomwireError && error.code === code;

describe('the client library: requests and answers', () => {
  it('logs in with 0:name:password and resolves with the id the server gave', async () => {
    const setup = fakeClient();
    await setup.client.connect();
    const login = setup.client.login('alice', 'secret');
    assert.deepEqual(setup.wire().sent, ['0:alice:secret']);
    setup.wire().receive('0:7');
    assert.equal(await login, 7);
    assert.equal(setup.client.clientId, 7);
  });

  it('acknowledges every 128 lines received when the server offered resume, and never without', async () => {
    const resumable = fakeClient();
    await resumable.client.connect();
    const login = resumable.client.login('alice', 'pw');
    resumable.wire().receive('0:7:abcdefghijklmnopqrstuvwxyz012345');
    await login;
    for (let index = 0; index < 300; index += 1) resumable.wire().receive(`3:2:m${index}`);
    const acks = resumable.wire().sent.filter((line) => line.startsWith('6:'));
    assert.deepEqual(acks, ['6:128', '6:256']);
    const plain = fakeClient();
    await loggedIn(plain);
    for (let index = 0; index < 300; index += 1) plain.wire().receive(`3:2:m${index}`);
    assert.deepEqual(
      plain.wire().sent.filter((line) => line.startsWith('6:')),
      [],
      'a server without resume is never sent an acknowledgement',
    );
  });

  it('rejects a login with the server code on a 9: refusal', async () => {
    const setup = fakeClient();
    await setup.client.connect();
    const login = setup.client.login('alice', 'wrong');
    setup.wire().receive('9:auth_failed:wrong username or password');
    await assert.rejects(login, (error: unknown) => {
      assert.ok(error instanceof RoomwireError);
      assert.equal(error.code, 'auth_failed');
      assert.match(error.message, /wrong username or password/);
      return true;
    });
    assert.equal(setup.client.clientId, undefined);
  });

  it('refuses arguments the server would misread, without sending anything', async () => {
    const setup = fakeClient();
    await loggedIn(setup);
    const before = setup.wire().sent.length;
    await assert.rejects(setup.client.login('a:b', 'pw'), isCode('bad_argument'));
    await assert.rejects(setup.client.join('a,b'), isCode('bad_argument'));
    await assert.rejects(setup.client.join('-1'), isCode('bad_argument'));
    await assert.rejects(setup.client.listRooms('x\ny'), isCode('bad_argument'));
    assert.throws(() => setup.client.setGroup('g:1', [1]), isCode('bad_argument'));
    assert.throws(() => setup.client.setGroup('g', [1.5]), isCode('bad_argument'));
    assert.equal(setup.wire().sent.length, before);
  });

  it('rejects requests before connecting and before logging in', async () => {
    const setup = fakeClient();
    await assert.rejects(setup.client.listRooms(), isCode('not_connected'));
    await setup.client.connect();
    await assert.rejects(setup.client.join('lobby'), isCode('not_logged_in'));
    assert.throws(() => setup.client.send(0, 'x'), isCode('not_logged_in'));
  });

  it('sends the next request only once the previous one was answered', async () => {
    const setup = fakeClient();
    await loggedIn(setup);
    const rooms = setup.client.listRooms();
    const join = setup.client.join('lobby', 'pw:with:colons');
    assert.deepEqual(setup.wire().sent.slice(1), ['1']);
    setup.wire().receive('1:lobby-2,my-room-1');
    assert.deepEqual(await rooms, [
      { name: 'lobby', memberCount: 2 },
      { name: 'my-room', memberCount: 1 },
    ]);
    assert.deepEqual(setup.wire().sent.slice(1), ['1', '2:lobby:pw:with:colons']);
    setup.wire().receive('2:1:lobby', '4:1');
    assert.deepEqual(await join, { name: 'lobby', members: [1], masterId: 1 });
  });

  it('lists rooms with a password as 1:password', async () => {
    const setup = fakeClient();
    await loggedIn(setup);
    const rooms = setup.client.listRooms('secret');
    assert.equal(setup.wire().sent.at(-1), '1:secret');
    setup.wire().receive('1:');
    assert.deepEqual(await rooms, []);
  });

  it('hands a refusal that no request waits for to error listeners', async () => {
    const setup = fakeClient();
    await loggedIn(setup);
    const errors: RoomwireError[] = [];
    setup.client.on('error', (error) => errors.push(error));
    setup.wire().receive('9:not_in_room:join a room first');
    assert.deepEqual(
      errors.map((error) => error.code),
      ['not_in_room'],
    );
  });

  it('gives up a request after requestTimeoutMs and closes the connection it was on', async () => {
    const setup = fakeClient({ requestTimeoutMs: 500 });
    await loggedIn(setup);
    const closes: ClientEvents['close'][] = [];
    setup.client.on('close', (event) => closes.push(event));
    const rooms = setup.client.listRooms();
    const later = setup.client.listRooms();
    await setup.timers.advance(500);
    await assert.rejects(rooms, isCode('timeout'));
    await assert.rejects(later, isCode('timeout'));
    await settle();
    assert.equal(setup.wire().closed, true);
    assert.deepEqual(closes, [{ error: undefined, reconnecting: false }]);
    assert.equal(setup.client.status, 'closed');
  });

  it('rejects pending requests when the connection drops, and says why in close', async () => {
    const setup = fakeClient();
    await loggedIn(setup);
    const closes: ClientEvents['close'][] = [];
    setup.client.on('close', (event) => closes.push(event));
    const join = setup.client.join('lobby');
    const rooms = setup.client.listRooms();
    setup.wire().receive('9:shutting_down:the server is shutting down');
    await assert.rejects(join, isCode('shutting_down'));
    setup.wire().drop();
    await assert.rejects(rooms, isCode('connection_closed'));
    assert.equal(closes.length, 1);
    assert.equal(closes[0]?.error?.code, 'shutting_down');
    assert.equal(setup.client.clientId, undefined);
  });

  it('fails connect() with connect_failed when the server cannot be reached', async () => {
    const setup = fakeClient();
    setup.failNextOpens(1);
    await assert.rejects(setup.client.connect(), isCode('connect_failed'));
    assert.equal(setup.client.status, 'closed');
    await setup.client.connect();
    assert.equal(setup.client.status, 'open');
  });

  it('refuses a second connect() while open', async () => {
    const setup = fakeClient();
    await setup.client.connect();
    await assert.rejects(setup.client.connect(), isCode('bad_argument'));
  });

  it('closes on close() and resolves once the connection is gone', async () => {
    const setup = fakeClient();
    await loggedIn(setup);
    const closes: ClientEvents['close'][] = [];
    setup.client.on('close', (event) => closes.push(event));
    await setup.client.close();
    assert.equal(setup.wire().closed, true);
    assert.deepEqual(closes, [{ error: undefined, reconnecting: false }]);
    await setup.client.close();
  });
});
