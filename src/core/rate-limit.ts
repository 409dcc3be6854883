import type { RelayContext } from './context.js';
import type { TokenBucket } from './session-guard.js';
import type { Session } from './state.js';

/** The rate limit's window: drops are reported, refused and struck once per window. */
export const RATE_WINDOW_MS = 1000;

/**
 * Takes one token from the session's line bucket. Over the limit the line is dropped, and the
 * first drop of each window is answered `9:rate_limited` (at most one a second: the refusal
 * cannot itself become a flood).
 */
export function admitLine(ctx: RelayContext, session: Session): boolean {
  if (ctx.limits.rateLimitPerSecond === 0 || take(ctx, session.guard.lines)) return true;
  if (!session.guard.warned) {
    session.guard.warned = true;
    const rate = ctx.limits.rateLimitPerSecond;
    ctx.refuse(
      session,
      'rate_limited',
      `more than ${rate} messages a second; the excess is dropped`,
    );
  }
  return false;
}

/**
 * The same for a datagram from the session's bound address. Drops are silent (no answer over
 * UDP) and never strike: a spoofer of the bound address must not get the TCP connection closed.
 */
export function admitDatagram(ctx: RelayContext, session: Session): boolean {
  return ctx.limits.rateLimitPerSecond === 0 || take(ctx, session.guard.datagrams);
}

function take(ctx: RelayContext, bucket: TokenBucket): boolean {
  const now = ctx.guards.now;
  if (now !== bucket.refilledAt) {
    const refill = ((now - bucket.refilledAt) * ctx.limits.rateLimitPerSecond) / 1000;
    bucket.tokens = Math.min(ctx.limits.rateLimitBurst, bucket.tokens + refill);
    bucket.refilledAt = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return true;
  }
  bucket.dropped += 1;
  return false;
}

/**
 * Ends a session's rate window: reports its drops in one event, and closes it with
 * `9:rate_limit_exceeded` after `rateLimitMaxStrikes` windows in a row with dropped lines.
 */
export function endRateWindow(ctx: RelayContext, session: Session): void {
  const guard = session.guard;
  const dropped = guard.lines.dropped;
  const datagramsDropped = guard.datagrams.dropped;
  if (dropped === 0) guard.strikes = 0;
  if (dropped === 0 && datagramsDropped === 0) return;
  guard.lines.dropped = 0;
  guard.datagrams.dropped = 0;
  guard.warned = false;
  ctx.event({
    kind: 'rate-limited',
    connId: session.connId,
    ...(session.clientId >= 0 ? { clientId: session.clientId } : {}),
    dropped,
    datagramsDropped,
  });
  if (dropped === 0) return;
  guard.strikes += 1;
  const maxStrikes = ctx.limits.rateLimitMaxStrikes;
  if (maxStrikes > 0 && guard.strikes >= maxStrikes) {
    ctx.refuse(
      session,
      'rate_limit_exceeded',
      `over the message rate limit ${guard.strikes} seconds in a row`,
    );
  }
}
