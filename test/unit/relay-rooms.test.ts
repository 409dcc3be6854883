import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RelayLimits } from '../../src/core/types.js';
import { CoreHarness } from '../helpers/core-harness.js';

/** A harness with `count` clients logged in on connections 1..count (client ids 1..count). */
function withClients(count: number, limits: Partial<RelayLimits> = {}): CoreHarness {
  const core = new CoreHarness(limits);
  for (let connId = 1; connId <= count; connId += 1) core.client(connId);
  core.reset();
  return core;
}

describe('relay: joining a room', () => {
  it('makes the first member of a new room its master', () => {
    const core = withClients(1);
    core.send(1, '2:lobby');
    assert.deepEqual(core.linesFor(1), ['2:1:lobby', '4:1']);
    assert.deepEqual(core.relay.room('lobby'), {
      name: 'lobby',
      isPrivate: false,
      masterId: 1,
      memberIds: [1],
    });
  });

  it('tells everyone of the join, then the joiner of every member oldest first, then the master', () => {
    const core = withClients(3);
    core.send(1, '2:lobby');
    core.send(2, '2:lobby');
    core.reset();
    core.send(3, '2:lobby');
    assert.deepEqual(core.deliveries(), [
      { connId: 1, line: '2:3:lobby' },
      { connId: 2, line: '2:3:lobby' },
      { connId: 3, line: '2:3:lobby' },
      { connId: 3, line: '2:1:lobby' },
      { connId: 3, line: '2:2:lobby' },
      { connId: 3, line: '4:1' },
    ]);
  });

  it('makes a client joining R while in Q leave Q first, exactly as 2:-1 would', () => {
    const core = withClients(3);
    core.send(1, '2:Q');
    core.send(2, '2:Q');
    core.send(3, '2:R');
    core.reset();
    core.send(1, '2:R');
    assert.deepEqual(core.deliveries(), [
      { connId: 2, line: '2:1:' },
      { connId: 1, line: '2:1:' },
      { connId: 2, line: '4:2' },
      { connId: 3, line: '2:1:R' },
      { connId: 1, line: '2:1:R' },
      { connId: 1, line: '2:3:R' },
      { connId: 1, line: '4:3' },
    ]);
    assert.deepEqual(core.relay.room('Q')?.memberIds, [2]);
    assert.deepEqual(core.relay.room('R')?.memberIds, [3, 1]);
  });

  it('does nothing when a client joins the room it is already in', () => {
    const core = withClients(2);
    core.send(1, '2:lobby');
    core.send(2, '2:lobby');
    core.reset();
    core.send(2, '2:lobby');
    core.send(2, '2:lobby:some-password');
    assert.deepEqual(core.effects, []);
    assert.deepEqual(core.relay.room('lobby')?.memberIds, [1, 2]);
  });

  it('creates a room with UTF-8 and dashes in its name', () => {
    const core = withClients(1);
    core.send(1, '2:red-team-é😀');
    assert.deepEqual(core.linesFor(1), ['2:1:red-team-é😀', '4:1']);
    core.send(1, '1');
    assert.equal(core.linesFor(1).at(-1), '1:red-team-é😀-1');
  });

  for (const [line, why] of [
    ['2:', 'an empty name'],
    ['2:a,b', 'a comma'],
    ['2:a\tb', 'a tab'],
    ['2:a\rb', 'a carriage return'],
    ['2:a\x00b', 'a NUL'],
    ['2:a\x7fb', 'a DEL'],
    ['2:abcdefghi', 'a name over the length limit'],
  ] as const) {
    it(`refuses a room name with ${why} as bad_room_name and stays in the old room`, () => {
      const core = withClients(1, { maxRoomNameLength: 8 });
      core.send(1, '2:home');
      core.reset();
      core.send(1, line);
      assert.deepEqual(core.deliveries(), [
        { connId: 1, line: '9:bad_room_name:invalid room name' },
      ]);
      assert.equal(core.relay.sessions()[0]?.room, 'home');
      assert.deepEqual(
        core.relay.rooms().map((room) => room.name),
        ['home'],
      );
    });
  }

  it('accepts a room name exactly at the length limit', () => {
    const core = withClients(1, { maxRoomNameLength: 8 });
    core.send(1, '2:abcdefgh');
    assert.deepEqual(core.linesFor(1), ['2:1:abcdefgh', '4:1']);
  });

  it('refuses a join past maxRoomMembers with room_full and keeps the client where it was', () => {
    const core = withClients(3, { maxRoomMembers: 2 });
    core.send(1, '2:full');
    core.send(2, '2:full');
    core.send(3, '2:home');
    core.reset();
    core.send(3, '2:full');
    assert.deepEqual(core.deliveries(), [{ connId: 3, line: '9:room_full:the room is full' }]);
    assert.equal(core.relay.sessions()[2]?.room, 'home');
  });

  it('refuses to create a room past maxRooms with too_many_rooms, but lets clients join existing ones', () => {
    const core = withClients(2, { maxRooms: 1 });
    core.send(1, '2:only');
    core.reset();
    core.send(2, '2:other');
    assert.deepEqual(core.linesFor(2), ['9:too_many_rooms:the server has too many rooms']);
    core.send(2, '2:only');
    assert.deepEqual(core.linesFor(2).slice(1), ['2:2:only', '2:1:only', '4:1']);
  });

  it('lets the last member of a room move to a new room at maxRooms, since its old room closes', () => {
    const core = withClients(1, { maxRooms: 1 });
    core.send(1, '2:first');
    core.reset();
    core.send(1, '2:second');
    assert.deepEqual(core.linesFor(1), ['2:1:', '2:1:second', '4:1']);
    assert.deepEqual(
      core.relay.rooms().map((room) => room.name),
      ['second'],
    );
  });
});

describe('relay: leaving a room', () => {
  it('tells the others and the leaver, with no new master when a non-master leaves', () => {
    const core = withClients(3);
    for (const connId of [1, 2, 3]) core.send(connId, '2:lobby');
    core.reset();
    core.send(2, '2:-1');
    assert.deepEqual(core.deliveries(), [
      { connId: 1, line: '2:2:' },
      { connId: 3, line: '2:2:' },
      { connId: 2, line: '2:2:' },
    ]);
    assert.equal(core.relay.sessions()[1]?.room, undefined);
  });

  it('announces the oldest remaining member as master when the master leaves', () => {
    const core = withClients(3);
    for (const connId of [1, 2, 3]) core.send(connId, '2:lobby');
    core.reset();
    core.send(1, '2:-1');
    assert.deepEqual(core.deliveries(), [
      { connId: 2, line: '2:1:' },
      { connId: 3, line: '2:1:' },
      { connId: 1, line: '2:1:' },
      { connId: 2, line: '4:2' },
      { connId: 3, line: '4:2' },
    ]);
    assert.equal(core.relay.room('lobby')?.masterId, 2);
  });

  it('picks the member present longest, not the lowest id, as the new master', () => {
    const core = withClients(3);
    for (const connId of [1, 2, 3]) core.send(connId, '2:lobby');
    core.send(2, '2:-1');
    core.send(2, '2:lobby');
    core.reset();
    core.send(1, '2:-1');
    assert.deepEqual(core.linesFor(3), ['2:1:', '4:3']);
    assert.deepEqual(core.linesFor(2), ['2:1:', '4:3']);
    assert.deepEqual(core.relay.room('lobby')?.memberIds, [3, 2]);
  });

  it('writes nothing to a client that disconnects, and tells the others', () => {
    const core = withClients(2);
    core.send(1, '2:lobby');
    core.send(2, '2:lobby');
    core.reset();
    core.disconnect(1);
    assert.deepEqual(core.deliveries(), [
      { connId: 2, line: '2:1:' },
      { connId: 2, line: '4:2' },
    ]);
  });

  it('destroys an empty room and drops it from the room list', () => {
    const core = withClients(2);
    core.send(1, '2:gone');
    core.send(2, '2:stays');
    core.send(1, '2:-1');
    assert.deepEqual(
      core.relay.rooms().map((room) => room.name),
      ['stays'],
    );
    core.send(1, '1');
    assert.equal(core.linesFor(1).at(-1), '1:stays-1');
    assert.deepEqual(
      core.events().filter((event) => event.kind === 'leave'),
      [{ kind: 'leave', clientId: 1, room: 'gone', destroyed: true }],
    );
  });

  it('destroys a room whose last member disconnects', () => {
    const core = withClients(1);
    core.send(1, '2:gone');
    core.disconnect(1);
    assert.deepEqual(core.relay.rooms(), []);
  });

  it('makes the first member of a re-created room its master', () => {
    const core = withClients(2);
    core.send(1, '2:again');
    core.send(1, '2:-1');
    core.reset();
    core.send(2, '2:again');
    assert.deepEqual(core.linesFor(2), ['2:2:again', '4:2']);
  });

  it('refuses 2:-1 when not in a room with not_in_room, and creates no room named -1', () => {
    const core = withClients(1);
    core.send(1, '2:-1');
    assert.deepEqual(core.linesFor(1), ['9:not_in_room:join a room first']);
    assert.deepEqual(core.relay.rooms(), []);
  });
});

describe('relay: room list and private rooms', () => {
  it('lists rooms as name-count in creation order, and 1: when there are none', () => {
    const core = withClients(3);
    core.send(1, '1');
    core.send(1, '2:b');
    core.send(2, '2:a');
    core.send(3, '2:b');
    core.send(1, '1:');
    assert.deepEqual(
      core.linesFor(1).filter((line) => line.startsWith('1:')),
      ['1:', '1:b-2,a-1'],
    );
  });

  it('makes a room private with its creator’s password and hides it from 1:', () => {
    const core = withClients(3);
    core.send(1, '2:secret:pw');
    core.send(3, '2:secret2:other');
    core.send(2, '2:open');
    assert.equal(core.relay.room('secret')?.isPrivate, true);
    core.reset();
    for (const line of ['1', '1:', '1:pw', '1:nope', '1:other']) core.send(2, line);
    assert.deepEqual(core.linesFor(2), [
      '1:open-1',
      '1:open-1',
      '1:secret-1,open-1',
      '1:open-1',
      '1:secret2-1,open-1',
    ]);
  });

  it('refuses a private room without the password or with a wrong one', () => {
    const core = withClients(2);
    core.send(1, '2:secret:pw');
    core.reset();
    core.send(2, '2:secret');
    core.send(2, '2:secret:PW');
    assert.deepEqual(core.linesFor(2), [
      '9:wrong_room_password:wrong password for this private room',
      '9:wrong_room_password:wrong password for this private room',
    ]);
    assert.deepEqual(core.linesFor(1), []);
    core.send(2, '2:secret:pw');
    assert.deepEqual(core.linesFor(2).slice(2), ['2:2:secret', '2:1:secret', '4:1']);
  });

  it('takes the rest of the line, colons included, as a room password', () => {
    const core = withClients(2);
    core.send(1, '2:secret:a:b');
    core.send(2, '2:secret:a');
    core.send(2, '2:secret:a:b');
    assert.deepEqual(core.linesFor(2), [
      '9:wrong_room_password:wrong password for this private room',
      '2:2:secret',
      '2:1:secret',
      '4:1',
    ]);
    core.send(2, '1:a:b');
    assert.equal(core.linesFor(2).at(-1), '1:secret-2');
  });

  it('lets anyone into a public room whatever password they give, and keeps it public', () => {
    const core = withClients(2);
    core.send(1, '2:open');
    core.send(2, '2:open:whatever');
    assert.deepEqual(core.relay.room('open'), {
      name: 'open',
      isPrivate: false,
      masterId: 1,
      memberIds: [1, 2],
    });
  });

  it('keeps a private room private after its creator leaves', () => {
    const core = withClients(3);
    core.send(1, '2:secret:pw');
    core.send(2, '2:secret:pw');
    core.send(1, '2:-1');
    core.send(3, '2:secret');
    assert.deepEqual(core.linesFor(3), [
      '9:wrong_room_password:wrong password for this private room',
    ]);
  });
});
