import { includesSender } from '../../protocol/commands.js';
import { encodeMessage } from '../../protocol/encode.js';
import type { Handler } from './handler.js';

/**
 * `3:<mode>:payload` (protocol section 5): encoded once, the same bytes written to every
 * recipient. In one process every member sees the room's traffic in one order, so the ordered
 * modes 2 and 3 need nothing more than modes 0 and 1 here.
 */
export const handleMessage: Handler<'message'> = (ctx, session, command) => {
  const room = session.room;
  if (room === undefined) return ctx.refuse(session, 'not_in_room');
  if (ctx.cluster) return ctx.publish(room, session.clientId, command.mode, false, command.payload);
  ctx.emit({
    type: 'fanout',
    connIds: room.connIds,
    exceptConnId: includesSender(command.mode) ? -1 : session.connId,
    data: encodeMessage(session.clientId, command.payload),
  });
};
