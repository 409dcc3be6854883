import { encodeJoined, encodeLeft, encodeMaster } from '../protocol/encode.js';
import type { RelayContext } from './context.js';
import { masterOf, REMOTE_CONN_ID, type Room, type Session } from './state.js';

/**
 * Puts a session into a room (protocol section 4), creating it if needed. The caller has
 * checked the name, password and capacity, and made the session leave its old room.
 */
export function enterRoom(
  ctx: RelayContext,
  session: Session,
  name: string,
  password: string,
): void {
  let room = ctx.state.rooms.get(name);
  const created = room === undefined;
  if (room === undefined) {
    room = { name, password, members: [], connIds: [] };
    ctx.state.rooms.set(name, room);
  }
  const existing = room.members.length;
  room.members.push(session);
  room.connIds.push(session.connId);
  session.room = room;
  ctx.event({ kind: 'join', clientId: session.clientId, room: name, created });
  // 4.2: everyone in the room, the joiner included, learns of the join.
  ctx.emit({
    type: 'fanout',
    connIds: room.connIds,
    exceptConnId: -1,
    data: encodeJoined(session.clientId, name),
  });
  // A member connected to another node (cluster mode) learns all this from its own node.
  if (session.connId === REMOTE_CONN_ID) return;
  // 4.3: the joiner learns of every member already there, oldest first.
  for (let index = 0; index < existing; index += 1) {
    ctx.send(session, encodeJoined((room.members[index] as Session).clientId, name));
  }
  // 4.4: then the joiner learns who the master is.
  ctx.send(session, encodeMaster((masterOf(room) as Session).clientId));
}

/**
 * Takes a session out of its room (protocol section 4, leaving). `notifyLeaver` is false when
 * the leaver is gone (disconnected) and can no longer be written to.
 */
export function leaveRoom(ctx: RelayContext, session: Session, notifyLeaver: boolean): void {
  const room = session.room;
  if (room === undefined) return;
  const index = room.members.indexOf(session);
  const wasMaster = index === 0;
  room.members.splice(index, 1);
  room.connIds.splice(index, 1);
  session.room = undefined;
  const destroyed = room.members.length === 0;
  if (destroyed) ctx.state.rooms.delete(room.name);
  ctx.event({ kind: 'leave', clientId: session.clientId, room: room.name, destroyed });
  // 4.L1: the others, and the leaver if still connected, see the leave.
  const left = encodeLeft(session.clientId);
  ctx.emit({ type: 'fanout', connIds: room.connIds, exceptConnId: -1, data: left });
  if (notifyLeaver) ctx.send(session, left);
  // 4.L2: a departed master is replaced by the member present longest.
  const master = masterOf(room);
  if (wasMaster && master !== undefined) {
    ctx.emit({
      type: 'fanout',
      connIds: room.connIds,
      exceptConnId: -1,
      data: encodeMaster(master.clientId),
    });
  }
}

/** Whether a session may see or enter a room given the password it offered. */
export function passwordMatches(room: Room, password: string): boolean {
  return room.password === '' || room.password === password;
}
