/**
 * What the core tracks to protect itself from a session (issue #4): its clock readings for the
 * login deadline and the idle timeout, and its rate-limit buckets. Times are the latest tick's,
 * never read from a clock: the hot path only copies a number.
 */
export interface SessionGuard {
  /** The tick time when the connection opened, for the login deadline. */
  readonly connectedAt: number;
  /** The tick time of the latest line (or datagram from its bound address). */
  lastInputAt: number;
  /** Whether the client sent a ping: it opted into the idle timeout. */
  pinged: boolean;
  readonly lines: TokenBucket;
  /** A bucket of their own, so a spoofed datagram flood cannot starve the client's lines. */
  readonly datagrams: TokenBucket;
  /** Whether this rate window's `rate_limited` refusal was sent. */
  warned: boolean;
  /** Rate windows in a row in which lines were dropped. */
  strikes: number;
}

/** A token bucket, refilled lazily from the tick time when a token is taken. */
export interface TokenBucket {
  tokens: number;
  refilledAt: number;
  /** Messages dropped in the current rate window. */
  dropped: number;
}

/** A guard for a session opening at `now`, with full buckets. */
export function newSessionGuard(now: number, burst: number): SessionGuard {
  return {
    connectedAt: now,
    lastInputAt: now,
    pinged: false,
    lines: { tokens: burst, refilledAt: now, dropped: 0 },
    datagrams: { tokens: burst, refilledAt: now, dropped: 0 },
    warned: false,
    strikes: 0,
  };
}

/** The guards' shared state: the clock, the rate window, connections per IP. */
export class GuardState {
  /** The latest tick's time; it never goes back. */
  now = 0;
  /** When the current rate window began. */
  rateWindowStart = 0;
  /** Open connections by IP, kept only while a per-IP cap is set. */
  readonly connectionsPerIp = new Map<string, number>();
  /** Sessions waiting for a resume (§10), and the bytes of lines they hold together. */
  awaySessions = 0;
  awayBytes = 0;
}
