import type { Handler } from './handler.js';

/** `2:-1`: leave the current room; refused when not in one (section 4, not the original's way). */
export const handleLeave: Handler<'leave'> = (ctx, session) => {
  const room = session.room;
  if (room === undefined) return ctx.refuse(session, 'not_in_room');
  ctx.wait(session, 'leave');
  ctx.sequencer.leave({ connId: session.connId, clientId: session.clientId, room: room.name });
};
