import assert from 'node:assert/strict';
import type { RoomSnapshot, SessionSnapshot } from '../../src/core/relay.js';
import type { JoinOrderModel } from './join-order-model.js';

/**
 * What must hold of one relay's state at any moment: client ids unique, every room non-empty,
 * each room's members exactly the sessions that say they are in it, and each room's member order
 * and master those of the reference model (join-order-model.ts), which is built from the lines the
 * clients received, not from the relay's state. Each client the model observed is where its own
 * lines put it.
 */
export function assertRelayConsistent(
  sessions: readonly SessionSnapshot[],
  rooms: readonly RoomSnapshot[],
  model: JoinOrderModel,
): void {
  const clientIds = sessions.flatMap((session) =>
    session.clientId === undefined ? [] : [session.clientId],
  );
  assert.equal(new Set(clientIds).size, clientIds.length, 'client ids are unique');
  const names = new Set(rooms.map((room) => room.name));
  assert.equal(names.size, rooms.length, 'room names are unique');
  for (const room of rooms) {
    assert.ok(room.memberIds.length > 0, `room ${room.name} is empty but alive`);
    const members = sessions
      .filter((session) => session.room === room.name)
      .map((session) => session.clientId);
    assert.deepEqual(
      new Set(members),
      new Set(room.memberIds),
      `room ${room.name}: members are the sessions in it`,
    );
    assert.equal(room.memberIds.length, members.length, `room ${room.name}: a member twice`);
  }
  model.assertSnapshot(rooms, 'the relay', true);
  for (const session of sessions) {
    if (session.clientId !== undefined && model.views.has(session.clientId)) {
      const told = model.views.get(session.clientId)?.room;
      assert.equal(session.room, told, `client ${session.clientId} is where its lines put it`);
    }
    if (session.room === undefined) continue;
    assert.notEqual(session.clientId, undefined, 'only logged-in clients are in rooms');
    assert.ok(names.has(session.room), `session in a room that does not exist: ${session.room}`);
  }
}
