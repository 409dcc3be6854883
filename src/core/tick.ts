import type { RelayContext } from './context.js';
import { checkLiveness } from './liveness.js';
import { endRateWindow, RATE_WINDOW_MS } from './rate-limit.js';
import { expireAway } from './resume.js';

/**
 * A clock tick: moves the core's clock (never backwards), ends the rate window once a second,
 * reaps sessions past their login deadline or idle timeout, and ends away sessions whose time
 * for a resume ran out (§10).
 */
export function handleTick(ctx: RelayContext, now: number): void {
  const guards = ctx.guards;
  if (now > guards.now) guards.now = now;
  const { rateLimitPerSecond, byteRateLimitPerSecond, groupFanoutPerSecond } = ctx.limits;
  const endWindow =
    rateLimitPerSecond + byteRateLimitPerSecond + groupFanoutPerSecond > 0 &&
    guards.now - guards.rateWindowStart >= RATE_WINDOW_MS;
  if (endWindow) guards.rateWindowStart = guards.now;
  const { sessions } = ctx.state;
  // A session may be closed (and removed) while visited; a Map iterator allows that.
  for (const session of sessions.values()) {
    if (endWindow) endRateWindow(ctx, session);
    if (session.resume?.awaySince !== undefined) expireAway(ctx, session, guards.now);
    else if (sessions.get(session.connId) === session) checkLiveness(ctx, session, guards.now);
  }
}
