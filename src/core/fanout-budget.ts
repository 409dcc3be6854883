import type { RelayContext } from './context.js';
import { refuseOverRate, take } from './rate-limit.js';
import type { Session } from './state.js';

/**
 * The group fan-out budget (issue #15): a group message costs one lookup per id its group names,
 * present or not, so a client may name at most `groupFanoutPerSecond` recipients a second (the
 * burst two seconds' worth). Over it the message is dropped before any lookup: over TCP the
 * window's first drop is answered `9:rate_limited` and strikes like the line limit; over UDP the
 * drop is silent and never strikes, as for any datagram.
 */
export function admitFanout(
  ctx: RelayContext,
  session: Session,
  recipients: number,
  udp: boolean,
): boolean {
  const rate = ctx.limits.groupFanoutPerSecond;
  const guard = session.guard;
  if (rate === 0 || take(ctx.guards.now, guard.fanout, rate, 2 * rate, recipients)) return true;
  if (!udp) return refuseOverRate(ctx, session, `${rate} group recipients`);
  guard.fanout.dropped -= 1;
  guard.datagrams.dropped += 1;
  return false;
}
