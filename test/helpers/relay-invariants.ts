import assert from 'node:assert/strict';
import type { RoomSnapshot, SessionSnapshot } from '../../src/core/relay.js';

/**
 * What must hold of the relay's state at any moment: client ids unique, every room non-empty,
 * one master per room who is its oldest member, and each room's members exactly the sessions
 * that say they are in it.
 */
export function assertRelayConsistent(
  sessions: readonly SessionSnapshot[],
  rooms: readonly RoomSnapshot[],
): void {
  const clientIds = sessions.flatMap((session) =>
    session.clientId === undefined ? [] : [session.clientId],
  );
  assert.equal(new Set(clientIds).size, clientIds.length, 'client ids are unique');
  const names = new Set(rooms.map((room) => room.name));
  assert.equal(names.size, rooms.length, 'room names are unique');
  for (const room of rooms) {
    assert.ok(room.memberIds.length > 0, `room ${room.name} is empty but alive`);
    assert.equal(room.masterId, room.memberIds[0], `room ${room.name}: the master is the oldest`);
    const members = sessions
      .filter((session) => session.room === room.name)
      .map((session) => session.clientId);
    assert.deepEqual(
      [...members].sort(),
      [...room.memberIds].sort(),
      `room ${room.name}: members are the sessions in it`,
    );
  }
  for (const session of sessions) {
    if (session.room === undefined) continue;
    assert.notEqual(session.clientId, undefined, 'only logged-in clients are in rooms');
    assert.ok(names.has(session.room), `session in a room that does not exist: ${session.room}`);
  }
}
