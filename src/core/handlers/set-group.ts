import { checkGroupName } from '../../protocol/names.js';
import type { Handler } from './handler.js';

/** `5:group:id1:id2:...` (protocol section 2): defines or replaces a group; no ids clears it. */
export const handleSetGroup: Handler<'set-group'> = (ctx, session, command) => {
  const bad = checkGroupName(command.group, ctx.limits.maxGroupNameLength);
  if (bad !== undefined) return ctx.refuse(session, bad);
  if (command.clientIds.length === 0) {
    session.groups.delete(command.group);
    return;
  }
  // Each named client gets a message once, however often it was named.
  const members = [...new Set(command.clientIds)];
  if (members.length > ctx.limits.maxGroupSize) return ctx.refuse(session, 'group_too_large');
  if (!session.groups.has(command.group) && session.groups.size >= ctx.limits.maxGroupsPerClient) {
    return ctx.refuse(session, 'too_many_groups');
  }
  session.groups.set(command.group, members);
};
