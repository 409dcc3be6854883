import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideJoin } from '../../src/cluster/join-decision.js';
import { SenderBudget } from '../../src/cluster/sender-budget.js';

const limits = { maxRooms: 2, maxRoomMembers: 2 };

/** The join-view script's reply: old, oldMembers, oldVersion, roomVersion, password, members, rooms, roomsVersion. */
function view(fields: Partial<Record<string, string>>): string[] {
  const all = { old: '', oldMembers: '0', oldVersion: '', roomVersion: '', password: '' };
  const rest = { members: '0', rooms: '0', roomsVersion: '7', ...fields };
  const merged = { ...all, ...rest };
  return [
    merged.old,
    merged.oldMembers,
    merged.oldVersion,
    merged.roomVersion,
    merged.password,
    merged.members,
    merged.rooms,
    merged.roomsVersion,
  ] as string[];
}

describe('a join decided between the view and the commit', () => {
  it('refuses by the rules of core/admission: password, capacity, room count', () => {
    const existing = { roomVersion: '3:4', password: 'pw', members: '1', rooms: '1' };
    assert.deepEqual(decideJoin(view(existing), 'no', limits), { refusal: 'wrong_room_password' });
    assert.deepEqual(decideJoin(view({ ...existing, members: '2' }), 'pw', limits), {
      refusal: 'room_full',
    });
    assert.deepEqual(decideJoin(view({ rooms: '2' }), '', limits), { refusal: 'too_many_rooms' });
  });

  it('counts the old room as freed when the joiner is its last member', () => {
    const last = { old: 'a', oldMembers: '1', oldVersion: '1:1', rooms: '2' };
    assert.deepEqual(decideJoin(view(last), '', limits), { commit: ['a', '1:1', '', '7'] });
    assert.deepEqual(decideJoin(view({ ...last, oldMembers: '2' }), '', limits), {
      refusal: 'too_many_rooms',
    });
  });

  it('has the commit check only what the decision read', () => {
    // An existing room: its version alone; the room count and the old room did not matter.
    const existing = { old: 'a', oldMembers: '3', oldVersion: '1:9', roomVersion: '2:5' };
    assert.deepEqual(decideJoin(view(existing), '', limits), { commit: ['a', '*', '2:5', '*'] });
    // A new room: the old room's version and the room set's too.
    assert.deepEqual(
      decideJoin(view({ old: 'a', oldMembers: '3', oldVersion: '1:9' }), '', limits),
      {
        commit: ['a', '1:9', '', '7'],
      },
    );
  });
});

describe('the per-sender byte budget', () => {
  it('lets a burst through, refuses past it, and refills at the rate', () => {
    const budget = new SenderBudget(1000, 2000);
    assert.equal(budget.take(1, 1500, 0), true);
    assert.equal(budget.take(1, 600, 0), false);
    assert.equal(budget.take(2, 2000, 0), true, 'each sender has its own bucket');
    assert.equal(budget.take(1, 600, 100), true, '100 ms refilled 100 bytes');
    assert.equal(budget.take(1, 100, 100), false);
    budget.sweep(1_000);
    assert.equal(budget.size(), 2);
    budget.sweep(2_100);
    assert.equal(budget.size(), 0, 'full buckets are forgotten');
  });
});
