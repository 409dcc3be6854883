import { encodeMessage } from '../../protocol/encode.js';
import { admitFanout } from '../fanout-budget.js';
import type { ConnId } from '../types.js';
import type { Handler } from './handler.js';

/**
 * `4:group:payload` (protocol section 5): to each named client still connected, in any room,
 * each once; to the sender only if it named itself.
 */
export const handleGroupMessage: Handler<'group-message'> = (ctx, session, command) => {
  const members = session.groups.get(command.group);
  if (members === undefined) return ctx.refuse(session, 'unknown_group');
  if (!admitFanout(ctx, session, members.length, false)) return;
  if (ctx.cluster) return ctx.publishGroup(session.clientId, members, false, command.payload);
  const connIds: ConnId[] = [];
  for (const clientId of members) {
    const target = ctx.state.clients.get(clientId);
    if (target !== undefined) connIds.push(target.connId);
  }
  if (connIds.length === 0) return;
  ctx.emit({
    type: 'fanout',
    connIds,
    exceptConnId: -1,
    data: encodeMessage(session.clientId, command.payload),
  });
};
