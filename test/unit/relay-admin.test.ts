import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoreHarness } from '../helpers/core-harness.js';

/** Clients 1, 2, 3 (connections 1, 2, 3) in `lobby`, joined in that order; client 4 in `other`. */
function scene(): CoreHarness {
  const core = new CoreHarness();
  for (let connId = 1; connId <= 4; connId += 1) core.client(connId);
  for (const connId of [1, 2, 3]) core.send(connId, '2:lobby');
  core.send(4, '2:other');
  core.reset();
  return core;
}

describe('relay: an administrator kicks a client', () => {
  it('sends 9:kicked with the reason, closes the connection, and shows the room a normal leave', () => {
    const core = scene();
    core.relay.handle({ type: 'kick', clientId: 1, reason: 'be nice' });
    assert.deepEqual(core.deliveries(), [
      { connId: 1, line: '9:kicked:be nice' },
      { connId: 2, line: '2:1:' },
      { connId: 3, line: '2:1:' },
      { connId: 2, line: '4:2' },
      { connId: 3, line: '4:2' },
    ]);
    assert.equal(core.closed(1), 'kicked');
    assert.deepEqual(core.relay.room('lobby')?.memberIds, [2, 3]);
    assert.equal(core.relay.client(1), undefined);
    assert.equal(core.relay.counts().clients, 3);
  });

  it('announces no new master when the kicked client was not the master', () => {
    const core = scene();
    core.relay.handle({ type: 'kick', clientId: 3, reason: 'spam' });
    assert.deepEqual(core.linesFor(1), ['2:3:']);
    assert.deepEqual(core.linesFor(3), ['9:kicked:spam']);
  });

  it('uses the code’s own reason when none is given, and keeps the line on one line', () => {
    const core = scene();
    core.relay.handle({ type: 'kick', clientId: 4, reason: '' });
    core.relay.handle({ type: 'kick', clientId: 2, reason: 'two\nlines' });
    assert.deepEqual(core.linesFor(4), ['9:kicked:removed by an administrator']);
    assert.deepEqual(core.linesFor(2), ['9:kicked:two lines']);
    assert.equal(core.relay.room('other'), undefined, 'the emptied room is gone');
  });

  it('reports the kick as an event, not as a refusal', () => {
    const core = scene();
    core.relay.handle({ type: 'kick', clientId: 2, reason: 'bye' });
    const kinds = core.events().map((event) => event.kind);
    assert.deepEqual(kinds, ['kicked', 'leave']);
    assert.deepEqual(core.events()[0], { kind: 'kicked', connId: 2, clientId: 2, reason: 'bye' });
  });

  it('does nothing for an unknown client id or a connection that never logged in', () => {
    const core = scene();
    core.connect(9);
    core.relay.handle({ type: 'kick', clientId: 99, reason: 'x' });
    core.relay.handle({ type: 'kick', clientId: -1, reason: 'x' });
    assert.deepEqual(core.effects, []);
    assert.equal(core.relay.counts().connections, 5);
  });
});

describe('relay: an administrator closes a room', () => {
  it('tells every member why, then makes each leave as 2:-1 would, youngest first', () => {
    const core = scene();
    core.relay.handle({ type: 'close-room', room: 'lobby', reason: 'maintenance' });
    // Ordinary leaves: a member sees the leaves of those younger than itself, then its own.
    const expected = (own: number): string[] => [
      '9:room_closed:maintenance',
      ...[3, 2, 1].filter((id) => id > own).map((id) => `2:${id}:`),
      `2:${own}:`,
    ];
    assert.deepEqual(core.linesFor(1), expected(1));
    assert.deepEqual(core.linesFor(2), expected(2));
    assert.deepEqual(core.linesFor(3), expected(3));
    assert.deepEqual(core.linesFor(4), [], 'other rooms hear nothing');
    assert.equal(core.relay.room('lobby'), undefined);
    assert.deepEqual(
      core.relay.rooms().map((room) => room.name),
      ['other'],
    );
    for (const connId of [1, 2, 3]) assert.equal(core.closed(connId), undefined);
  });

  it('leaves the members logged in and outside any room, free to join again', () => {
    const core = scene();
    core.relay.handle({ type: 'close-room', room: 'lobby', reason: '' });
    assert.equal(core.linesFor(2)[0], '9:room_closed:the room was closed by an administrator');
    assert.equal(core.relay.client(2)?.room, undefined);
    core.reset();
    core.send(2, '2:-1');
    assert.deepEqual(core.linesFor(2), ['9:not_in_room:join a room first']);
    core.send(2, '2:lobby');
    core.send(3, '2:lobby');
    assert.deepEqual(core.relay.room('lobby'), {
      name: 'lobby',
      isPrivate: false,
      masterId: 2,
      memberIds: [2, 3],
    });
  });

  it('reports the closing and one leave per member, youngest first, the last destroying the room', () => {
    const core = scene();
    core.relay.handle({ type: 'close-room', room: 'lobby', reason: 'bye' });
    assert.deepEqual(core.events(), [
      { kind: 'room-closed', room: 'lobby', memberIds: [1, 2, 3], reason: 'bye' },
      { kind: 'leave', clientId: 3, room: 'lobby', destroyed: false },
      { kind: 'leave', clientId: 2, room: 'lobby', destroyed: false },
      { kind: 'leave', clientId: 1, room: 'lobby', destroyed: true },
    ]);
  });

  it('closes a one-member room and a private room alike', () => {
    const core = scene();
    core.send(4, '2:secret:pw');
    core.reset();
    core.relay.handle({ type: 'close-room', room: 'secret', reason: 'x' });
    assert.deepEqual(core.linesFor(4), ['9:room_closed:x', '2:4:']);
    core.send(4, '1:pw');
    assert.equal(core.linesFor(4).at(-1), '1:lobby-3');
  });

  it('does nothing for a room that does not exist', () => {
    const core = scene();
    core.relay.handle({ type: 'close-room', room: 'nowhere', reason: 'x' });
    assert.deepEqual(core.effects, []);
  });

  it('lets a disconnect after the closing leave nothing behind', () => {
    const core = scene();
    core.relay.handle({ type: 'close-room', room: 'lobby', reason: 'x' });
    core.reset();
    core.disconnect(1);
    assert.deepEqual(core.deliveries(), []);
    assert.deepEqual(core.relay.counts(), {
      connections: 3,
      clients: 3,
      rooms: 1,
      awaySessions: 0,
      awayBytes: 0,
    });
  });
});

describe('relay: closing a connection on the server’s behalf', () => {
  it('reports the code as a refusal, like the core’s own refusals', () => {
    const core = scene();
    core.relay.handle({ type: 'violation', connId: 2, code: 'line_too_long' });
    assert.deepEqual(core.events()[0], {
      kind: 'refused',
      connId: 2,
      clientId: 2,
      code: 'line_too_long',
    });
    assert.equal(core.closed(2), 'line_too_long');
  });

  it('closes even with a code that does not close by itself, once', () => {
    const core = scene();
    core.connect(9);
    core.reset();
    core.relay.handle({ type: 'violation', connId: 9, code: 'malformed', reason: 'custom' });
    assert.deepEqual(core.linesFor(9), ['9:malformed:custom']);
    assert.equal(core.closed(9), 'malformed');
    assert.deepEqual(core.events(), [{ kind: 'refused', connId: 9, code: 'malformed' }]);
  });
});
