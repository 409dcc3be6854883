/**
 * What the core tracks to protect itself from a session (issues #4 and #15): its clock readings
 * for the login deadline and the idle timeout, its rate-limit buckets, what its groups hold and
 * how its UDP binding is used. Times are the latest tick's, never read from a clock: the hot
 * path only copies a number.
 */
export interface SessionGuard {
  /** The tick time when the connection opened, for the login deadline. */
  readonly connectedAt: number;
  /** The tick time of the latest line (or datagram from its bound address). */
  lastInputAt: number;
  /** Whether the client sent a ping: it opted into the idle timeout. */
  pinged: boolean;
  readonly lines: TokenBucket;
  /** Bytes of lines (issue #15): a flood of large lines under the line rate is still a flood. */
  readonly bytes: TokenBucket;
  /** Buckets of their own, so a spoofed datagram flood cannot starve the client's lines. */
  readonly datagrams: TokenBucket;
  readonly datagramBytes: TokenBucket;
  /** Group recipients named per second (issue #15: groups of absent ids cost a core). */
  readonly fanout: TokenBucket;
  /** Whether this rate window's `rate_limited` refusal was sent. */
  warned: boolean;
  /** Rate windows in a row in which lines were dropped. */
  strikes: number;
  /** Ids held across all of the client's groups, bounded by `maxGroupIdsPerClient`. */
  groupIds: number;
  /** The tick time of the latest datagram from the bound UDP address (binds included). */
  udpHeardAt: number;
  /** The proof that moves this client's UDP binding, once issued (see udp-binding.ts). */
  udpToken: string | undefined;
}

/** A token bucket, refilled lazily from the tick time when a token is taken. */
export interface TokenBucket {
  tokens: number;
  refilledAt: number;
  /** Messages dropped in the current rate window. */
  dropped: number;
}

/** A bucket that is full when first used, whatever its burst. */
function unusedBucket(): TokenBucket {
  return { tokens: 0, refilledAt: -Infinity, dropped: 0 };
}

/** A guard for a session opening at `now`, with full buckets. */
export function newSessionGuard(now: number, burst: number): SessionGuard {
  return {
    connectedAt: now,
    lastInputAt: now,
    pinged: false,
    lines: { tokens: burst, refilledAt: now, dropped: 0 },
    bytes: unusedBucket(),
    datagrams: { tokens: burst, refilledAt: now, dropped: 0 },
    datagramBytes: unusedBucket(),
    fanout: unusedBucket(),
    warned: false,
    strikes: 0,
    groupIds: 0,
    udpHeardAt: now,
    udpToken: undefined,
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
  /** Issues UDP bind tokens; none are issued without one (see udp-binding.ts). */
  udpTokens: (() => string) | undefined = undefined;
}
