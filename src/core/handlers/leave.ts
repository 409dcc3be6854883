import { leaveRoom } from '../rooms.js';
import type { Handler } from './handler.js';

/** `2:-1`: leave the current room; refused when not in one (section 4, not the original's way). */
export const handleLeave: Handler<'leave'> = (ctx, session) => {
  if (session.room === undefined) return ctx.refuse(session, 'not_in_room');
  if (ctx.cluster) {
    return ctx.ask(session, { op: 'leave', connId: session.connId, clientId: session.clientId });
  }
  leaveRoom(ctx, session, true);
};
