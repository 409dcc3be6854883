import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RoomwireError } from '../../src/client/errors.js';
import type { ClientEvents } from '../../src/client/roomwire-client.js';
import { fakeClient, loggedIn, type FakeSetup } from '../helpers/fake-client-transport.js';

const isCode = (code: string) => (error: unknown) =>
  error instanceof RoomwireError && error.code === code;

/** Records every room event the client emits, as short strings. */
function recordEvents(setup: FakeSetup): string[] {
  const seen: string[] = [];
  const { client } = setup;
  client.on('joined', (e) =>
    seen.push(
      `joined ${e.clientId} ${e.room}${e.self ? ' self' : ''}${e.existing ? ' existing' : ''}`,
    ),
  );
  client.on('left', (e) => seen.push(`left ${e.clientId} ${e.room}${e.self ? ' self' : ''}`));
  client.on('master', (e) => seen.push(`master ${e.masterId} ${e.room}`));
  client.on('message', (e) =>
    seen.push(`message ${e.senderId} ${e.payload}${e.unreliable ? ' udp' : ''}`),
  );
  return seen;
}

/** Logged in as 3 and in `lobby` with 1 (master) and 2. */
async function inLobby(): Promise<{ setup: FakeSetup; events: string[] }> {
  const setup = fakeClient();
  await loggedIn(setup, 3);
  const events = recordEvents(setup);
  const join = setup.client.join('lobby');
  setup.wire().receive('2:3:lobby', '2:1:lobby', '2:2:lobby', '4:1');
  await join;
  return { setup, events };
}

describe('the client library: rooms, messages and groups', () => {
  it('resolves a join with the members oldest first and the master, and emits the joins', async () => {
    const { setup, events } = await inLobby();
    assert.deepEqual(setup.client.room, { name: 'lobby', members: [1, 2, 3], masterId: 1 });
    assert.deepEqual(events, [
      'joined 3 lobby self',
      'joined 1 lobby existing',
      'joined 2 lobby existing',
      'master 1 lobby',
    ]);
  });

  it('follows joins, leaves and the master change that the server announces', async () => {
    const { setup, events } = await inLobby();
    events.length = 0;
    setup.wire().receive('2:4:lobby', '2:1:', '4:2', '2:9:');
    assert.deepEqual(setup.client.room, { name: 'lobby', members: [2, 3, 4], masterId: 2 });
    assert.deepEqual(events, ['joined 4 lobby', 'left 1 lobby', 'master 2 lobby']);
  });

  it('keeps the room it was in when a join is refused', async () => {
    const { setup } = await inLobby();
    const join = setup.client.join('vip', 'guess');
    setup.wire().receive('9:wrong_room_password:wrong password for this private room');
    await assert.rejects(join, isCode('wrong_room_password'));
    assert.equal(setup.client.room?.name, 'lobby');
  });

  it('leaves the old room on the way to a new one', async () => {
    const { setup, events } = await inLobby();
    events.length = 0;
    const join = setup.client.join('game');
    setup.wire().receive('2:3:', '2:3:game', '4:3');
    assert.deepEqual(await join, { name: 'game', members: [3], masterId: 3 });
    assert.deepEqual(events, ['left 3 lobby self', 'joined 3 game self', 'master 3 game']);
  });

  it('answers a join of the room it is in at once, as the server says nothing', async () => {
    const { setup } = await inLobby();
    const sent = setup.wire().sent.length;
    assert.deepEqual(await setup.client.join('lobby'), {
      name: 'lobby',
      members: [1, 2, 3],
      masterId: 1,
    });
    assert.equal(setup.wire().sent.length, sent);
  });

  it('leaves with 2:-1 and resolves on its own leave line', async () => {
    const { setup, events } = await inLobby();
    events.length = 0;
    const leave = setup.client.leave();
    assert.equal(setup.wire().sent.at(-1), '2:-1');
    setup.wire().receive('2:3:');
    await leave;
    assert.equal(setup.client.room, undefined);
    assert.deepEqual(events, ['left 3 lobby self']);
    const again = setup.client.leave();
    setup.wire().receive('9:not_in_room:join a room first');
    await assert.rejects(again, isCode('not_in_room'));
  });

  it('sends messages in every mode and emits the ones that arrive', async () => {
    const { setup, events } = await inLobby();
    events.length = 0;
    for (const mode of [0, 1, 2, 3] as const) setup.client.send(mode, `m${mode}: with colons`);
    assert.deepEqual(setup.wire().sent.slice(-4), [
      '3:0:m0: with colons',
      '3:1:m1: with colons',
      '3:2:m2: with colons',
      '3:3:m3: with colons',
    ]);
    setup.wire().receive('3:1:hello: there', '3:3:');
    assert.deepEqual(events, ['message 1 hello: there', 'message 3 ']);
  });

  it('refuses to send outside a room, in a bad mode, or a payload of two lines', async () => {
    const setup = fakeClient();
    await loggedIn(setup);
    assert.throws(() => setup.client.send(0, 'x'), isCode('not_in_room'));
    const { setup: inRoom } = await inLobby();
    assert.throws(() => inRoom.client.send(4 as 0, 'x'), isCode('bad_argument'));
    assert.throws(() => inRoom.client.send(0, 'a\nb'), isCode('bad_argument'));
  });

  it('defines groups with 5: and sends to them with 4:', async () => {
    const { setup } = await inLobby();
    assert.throws(() => setup.client.sendGroup('team', 'x'), isCode('unknown_group'));
    setup.client.setGroup('team', [1, 2]);
    setup.client.sendGroup('team', 'go: now');
    setup.client.setGroup('team', []);
    assert.deepEqual(setup.wire().sent.slice(-3), ['5:team:1:2', '4:team:go: now', '5:team']);
    assert.throws(() => setup.client.sendGroup('team', 'x'), isCode('unknown_group'));
  });

  it('lets a listener throw without breaking the client or the other listeners', async () => {
    const thrown: string[] = [];
    const setup = fakeClient({
      onListenerError: (error, event) => thrown.push(`${event}: ${String(error)}`),
    });
    await loggedIn(setup);
    const seen: ClientEvents['message'][] = [];
    setup.client.on('message', () => {
      throw new Error('listener bug');
    });
    const off = setup.client.on('message', (event) => seen.push(event));
    const join = setup.client.join('lobby');
    setup.wire().receive('2:1:lobby', '4:1', '3:1:first');
    await join;
    off();
    setup.wire().receive('3:1:second');
    assert.equal(seen.length, 1);
    assert.deepEqual(thrown, ['message: Error: listener bug', 'message: Error: listener bug']);
    assert.equal(setup.client.room?.members.length, 1);
  });
});
