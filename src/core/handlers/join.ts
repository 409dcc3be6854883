import { checkRoomName } from '../../protocol/names.js';
import { enterRoom, leaveRoom, passwordMatches } from '../rooms.js';
import type { Handler } from './handler.js';

/** `2:room[:password]` (protocol section 4): leave the old room, enter (or create) the new one. */
export const handleJoin: Handler<'join'> = (ctx, session, command) => {
  const { room: name, password } = command;
  const badName = checkRoomName(name, ctx.limits.maxRoomNameLength);
  if (badName !== undefined) return ctx.refuse(session, badName);
  // Section 4: joining the room you are already in does nothing.
  if (session.room?.name === name) return;
  // Cluster mode: the backplane checks and applies the join atomically for the whole cluster.
  if (ctx.cluster) {
    const { clientId, connId } = session;
    return ctx.ask(session, { op: 'join', connId, clientId, room: name, password });
  }
  const room = ctx.state.rooms.get(name);
  // Every check comes before leaving the old room: a refused join leaves the client where it was.
  if (room === undefined) {
    // The joiner's old room closes if it is its last member, which frees a place.
    const freed = session.room?.members.length === 1 ? 1 : 0;
    if (ctx.state.rooms.size - freed >= ctx.limits.maxRooms) {
      return ctx.refuse(session, 'too_many_rooms');
    }
  } else {
    // Section 8: a private room needs the password it was created with.
    if (!passwordMatches(room, password)) return ctx.refuse(session, 'wrong_room_password');
    if (room.members.length >= ctx.limits.maxRoomMembers) return ctx.refuse(session, 'room_full');
  }
  // Section 4.1: leave the old room first, exactly as `2:-1` would.
  leaveRoom(ctx, session, true);
  // Section 8: the creator's password makes a new room private; an existing room keeps its own.
  enterRoom(ctx, session, name, room === undefined ? password : room.password);
};
