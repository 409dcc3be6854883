import { encodeError, encodeLeft } from '../protocol/encode.js';
import { ERROR_CODES, type ErrorCode } from '../protocol/error-codes.js';
import type { RelayContext } from './context.js';
import type { Room, Session } from './state.js';
import type { ClientId } from './types.js';

/**
 * An administrator removes a client (protocol section 7, `kicked`): it gets `9:kicked:<reason>`,
 * then it is forgotten as a disconnect would be, so its room sees the normal leave and master
 * events, and the server closes the connection. An unknown client id does nothing.
 */
export function kickClient(ctx: RelayContext, clientId: ClientId, reason: string): void {
  const session = ctx.state.clients.get(clientId);
  if (session === undefined) return;
  const text = reasonOr('kicked', reason);
  ctx.event({ kind: 'kicked', connId: session.connId, clientId, reason: text });
  ctx.send(session, encodeError('kicked', text));
  ctx.drop(session, 'kicked');
}

/**
 * An administrator closes a room (protocol section 7, `room_closed`). Every member gets
 * `9:room_closed:<reason>`, then the leave of every other member, youngest first, then its own
 * leave last, so each member sees `2:<id>:` for everyone, itself included, and ends outside any
 * room. The master leaves last, so no master change is announced for a room that is going away.
 * The connections stay open. An unknown room does nothing.
 */
export function closeRoom(ctx: RelayContext, name: string, reason: string): void {
  const room = ctx.state.rooms.get(name);
  if (room === undefined) return;
  const text = reasonOr('room_closed', reason);
  if (ctx.cluster) return closeLocalMembers(ctx, room, text);
  // Copies: the room's own arrays are emptied below, and fan-outs must not see that.
  const members: Session[] = [...room.members];
  const connIds = [...room.connIds];
  ctx.event({
    kind: 'room-closed',
    room: name,
    memberIds: members.map((member) => member.clientId),
    reason: text,
  });
  ctx.emit({ type: 'fanout', connIds, exceptConnId: -1, data: encodeError('room_closed', text) });
  room.members.length = 0;
  room.connIds.length = 0;
  ctx.state.rooms.delete(name);
  const leaves = members.map((member) => encodeLeft(member.clientId));
  for (let index = members.length - 1; index >= 0; index -= 1) {
    const member = members[index] as Session;
    member.room = undefined;
    ctx.event({ kind: 'leave', clientId: member.clientId, room: name, destroyed: index === 0 });
    ctx.emit({
      type: 'fanout',
      connIds,
      exceptConnId: member.connId,
      data: leaves[index] as Buffer,
    });
  }
  members.forEach((member, index) => ctx.send(member, leaves[index] as Buffer));
}

/**
 * Cluster mode: this node closes the room for its own members only, each told `9:room_closed`
 * and made to leave through the backplane (docs/cluster.md); members on other nodes stay.
 */
function closeLocalMembers(ctx: RelayContext, room: Room, text: string): void {
  for (const member of room.members) {
    if (ctx.state.sessions.get(member.connId) !== member || member.waiting !== undefined) continue;
    ctx.send(member, encodeError('room_closed', text));
    ctx.ask(member, { op: 'leave', connId: member.connId, clientId: member.clientId });
  }
}

function reasonOr(code: ErrorCode, reason: string): string {
  return reason === '' ? ERROR_CODES[code].reason : reason;
}
