import type { Handler } from './handler.js';

/** `1[:password]`: public rooms, plus the private rooms whose password matches (section 8). */
export const handleListRooms: Handler<'list-rooms'> = (ctx, session, command) => {
  ctx.wait(session, 'list-rooms');
  ctx.sequencer.listRooms(session.connId, command.password);
};
