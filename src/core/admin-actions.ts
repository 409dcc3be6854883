import { encodeError } from '../protocol/encode.js';
import { ERROR_CODES, type ErrorCode } from '../protocol/error-codes.js';
import type { RelayContext } from './context.js';
import type { Session } from './state.js';
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
  ctx.send(session, encodeError('kicked', text), 'error');
  ctx.drop(session, 'kicked');
}

/**
 * An administrator closes a room (protocol section 7, `room_closed`): every member connected to
 * this node gets `9:room_closed:<reason>`, then each leaves as with `2:-1`, youngest first, so
 * the master leaves last and no master change is announced for a room that is going away. Each
 * member sees the leaves of those younger than itself, then its own, and ends outside any room,
 * logged in. In a cluster, members on other nodes stay. An unknown room does nothing.
 */
export function closeRoom(ctx: RelayContext, name: string, reason: string): void {
  const room = ctx.state.rooms.get(name);
  if (room === undefined) return;
  const text = reasonOr('room_closed', reason);
  const members = room.members.filter(
    (member) => ctx.state.sessions.get(member.connId) === member && member.waiting === undefined,
  );
  ctx.event({
    kind: 'room-closed',
    room: name,
    memberIds: members.map((member) => member.clientId),
    reason: text,
  });
  const closed = encodeError('room_closed', text);
  for (const member of members) ctx.send(member, closed, 'error');
  for (let index = members.length - 1; index >= 0; index -= 1) {
    const { connId, clientId } = members[index] as Session;
    ctx.wait(members[index] as Session, 'leave');
    ctx.sequencer.leave({ connId, clientId, room: name });
  }
}

function reasonOr(code: ErrorCode, reason: string): string {
  return reason === '' ? ERROR_CODES[code].reason : reason;
}
