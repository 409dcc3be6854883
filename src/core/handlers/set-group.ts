import { checkGroupName } from '../../protocol/names.js';
import type { Handler } from './handler.js';

/**
 * `5:group:id1:id2:...` (protocol section 2): defines or replaces a group; no ids clears it.
 * The parser has already refused a line naming more than `maxGroupSize` ids, repeats counted.
 */
export const handleSetGroup: Handler<'set-group'> = (ctx, session, command) => {
  const bad = checkGroupName(command.group, ctx.limits.maxGroupNameLength);
  if (bad !== undefined) return ctx.refuse(session, bad);
  const guard = session.guard;
  const old = session.groups.get(command.group);
  if (command.clientIds.length === 0) {
    if (old !== undefined) guard.groupIds -= old.length;
    session.groups.delete(command.group);
    return;
  }
  // Each named client gets a message once, however often it was named.
  const members = [...new Set(command.clientIds)];
  if (members.length > ctx.limits.maxGroupSize) return ctx.refuse(session, 'group_too_large');
  if (old === undefined && session.groups.size >= ctx.limits.maxGroupsPerClient) {
    return ctx.refuse(session, 'too_many_groups');
  }
  // Issue #15: the ids of all groups together are bounded, so full groups fit in memory.
  const groupIds = guard.groupIds - (old?.length ?? 0) + members.length;
  if (groupIds > ctx.limits.maxGroupIdsPerClient) {
    return ctx.refuse(
      session,
      'too_many_group_ids',
      `groups may name at most ${ctx.limits.maxGroupIdsPerClient} ids in all`,
    );
  }
  guard.groupIds = groupIds;
  session.groups.set(command.group, members);
};
