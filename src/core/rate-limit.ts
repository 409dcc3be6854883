import type { RelayContext } from './context.js';
import type { TokenBucket } from './session-guard.js';
import type { Session } from './state.js';

/** The rate limit's window: drops are reported, refused and struck once per window. */
export const RATE_WINDOW_MS = 1000;

/**
 * Admits one line of `bytes` bytes against the session's two buckets, lines and bytes (issue
 * #15: a client flooding 8 KB lines under the line limit was 160 MB/s to every member). Over
 * either, the line is dropped, and the first drop of each window is answered `9:rate_limited`
 * (at most one a second: the refusal cannot itself become a flood).
 */
export function admitLine(ctx: RelayContext, session: Session, bytes: number): boolean {
  const { limits, guards } = ctx;
  const guard = session.guard;
  if (
    limits.rateLimitPerSecond !== 0 &&
    !take(guards.now, guard.lines, limits.rateLimitPerSecond, limits.rateLimitBurst, 1)
  ) {
    return refuseOverRate(ctx, session, `${limits.rateLimitPerSecond} messages`);
  }
  if (
    limits.byteRateLimitPerSecond !== 0 &&
    !take(guards.now, guard.bytes, limits.byteRateLimitPerSecond, limits.byteRateLimitBurst, bytes)
  ) {
    return refuseOverRate(ctx, session, `${limits.byteRateLimitPerSecond} bytes`);
  }
  return true;
}

/**
 * The same for a datagram from the session's bound address, with buckets of its own. Drops are
 * silent (no answer over UDP) and never strike: a spoofer of the bound address must not get the
 * TCP connection closed.
 */
export function admitDatagram(ctx: RelayContext, session: Session, bytes = 0): boolean {
  const { limits, guards } = ctx;
  const guard = session.guard;
  if (
    limits.rateLimitPerSecond !== 0 &&
    !take(guards.now, guard.datagrams, limits.rateLimitPerSecond, limits.rateLimitBurst, 1)
  ) {
    return false;
  }
  if (
    limits.byteRateLimitPerSecond !== 0 &&
    !take(
      guards.now,
      guard.datagramBytes,
      limits.byteRateLimitPerSecond,
      limits.byteRateLimitBurst,
      bytes,
    )
  ) {
    return false;
  }
  return true;
}

/** Answers the first drop of the window with `9:rate_limited`; always false (the line is dropped). */
export function refuseOverRate(ctx: RelayContext, session: Session, what: string): false {
  if (!session.guard.warned) {
    session.guard.warned = true;
    ctx.refuse(session, 'rate_limited', `more than ${what} a second; the excess is dropped`);
  }
  return false;
}

/**
 * Takes `cost` from a bucket refilled lazily at `rate` a second up to `burst`. Anything is let
 * through while a token is left, and may leave the bucket in debt: a line larger than the burst
 * still passes when the bucket is full, and the debt holds the average to the rate.
 */
export function take(
  now: number,
  bucket: TokenBucket,
  rate: number,
  burst: number,
  cost: number,
): boolean {
  if (now !== bucket.refilledAt) {
    // A bucket never used has refilledAt -Infinity: it starts full.
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.refilledAt) * rate) / 1000);
    bucket.refilledAt = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= cost;
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
  const dropped = guard.lines.dropped + guard.bytes.dropped + guard.fanout.dropped;
  const datagramsDropped = guard.datagrams.dropped + guard.datagramBytes.dropped;
  if (dropped === 0) guard.strikes = 0;
  if (dropped === 0 && datagramsDropped === 0) return;
  guard.lines.dropped = 0;
  guard.bytes.dropped = 0;
  guard.fanout.dropped = 0;
  guard.datagrams.dropped = 0;
  guard.datagramBytes.dropped = 0;
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
