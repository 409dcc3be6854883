import { checkRoomName } from '../../protocol/names.js';
import type { Handler } from './handler.js';

/**
 * `2:room[:password]` (protocol section 4): leave the old room, enter (or create) the new one.
 * The sequencer admits the join (core/admission.ts) and orders its leave and join events.
 */
export const handleJoin: Handler<'join'> = (ctx, session, command) => {
  const { room, password } = command;
  const badName = checkRoomName(room, ctx.limits.maxRoomNameLength);
  if (badName !== undefined) return ctx.refuse(session, badName);
  // Section 4: joining the room you are already in does nothing.
  if (session.room?.name === room) return;
  const { connId, clientId } = session;
  ctx.wait(session, 'join');
  ctx.sequencer.join({ connId, clientId, room, password, from: session.room?.name });
};
