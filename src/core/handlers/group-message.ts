import { admitFanout } from '../fanout-budget.js';
import type { Handler } from './handler.js';

/**
 * `4:group:payload` (protocol section 5): to each named client still connected, in any room,
 * each once, on whichever node it is connected to; to the sender only if it named itself.
 */
export const handleGroupMessage: Handler<'group-message'> = (ctx, session, command) => {
  const targets = session.groups.get(command.group);
  if (targets === undefined) return ctx.refuse(session, 'unknown_group');
  if (!admitFanout(ctx, session, targets.length, false)) return;
  const { payload } = command;
  ctx.sequencer.group({ senderId: session.clientId, targets, udp: false, payload });
};
