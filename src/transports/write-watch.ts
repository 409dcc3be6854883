/** The slow-consumer soft cap and the write-stall timeout (issue #4), in bytes and milliseconds. */
export interface WriteWatchLimits {
  /** Queued bytes above which a client is on the clock; 0 turns the soft cap off. */
  readonly softBytes: number;
  /** How long a client may stay above `softBytes`. */
  readonly softMs: number;
  /** How long queued bytes may go without any of them being taken; 0 turns it off. */
  readonly stallMs: number;
}

/** Why a watched connection must close. */
export type WriteWatchVerdict = 'slow_consumer' | 'write_timeout' | undefined;

/**
 * Watches one connection's outgoing queue across the transport's sweeps. The hard cap is checked
 * on every write; these two only need a look now and then, so they ride the server's tick.
 */
export class WriteWatch {
  #softSince = -1;
  #delivered = 0;
  #progressAt = -1;

  /**
   * One look: `queued` bytes wait (application queue plus socket buffer), `delivered` bytes were
   * taken by the kernel so far. Returns the code to close with, if any.
   */
  check(
    now: number,
    queued: number,
    delivered: number,
    limits: WriteWatchLimits,
  ): WriteWatchVerdict {
    if (limits.softBytes > 0 && queued > limits.softBytes) {
      if (this.#softSince < 0) this.#softSince = now;
      else if (now - this.#softSince >= limits.softMs) return 'slow_consumer';
    } else {
      this.#softSince = -1;
    }
    if (this.#progressAt < 0 || queued === 0 || delivered !== this.#delivered) {
      this.#delivered = delivered;
      this.#progressAt = now;
    } else if (limits.stallMs > 0 && now - this.#progressAt >= limits.stallMs) {
      return 'write_timeout';
    }
    return undefined;
  }
}

/** A connection as the sweep sees it. */
export interface Watched {
  readonly closing: boolean;
  readonly watch: WriteWatch;
  readonly queuedBytes: number;
  /** Bytes the kernel has taken so far. */
  readonly delivered: number;
}

/** Looks at every open connection once; `violation` is called for each that must close. */
export function sweepWrites<T extends Watched>(
  connections: Iterable<T>,
  now: number,
  limits: WriteWatchLimits,
  violation: (connection: T, code: 'slow_consumer' | 'write_timeout') => void,
): void {
  if (limits.softBytes === 0 && limits.stallMs === 0) return;
  for (const connection of connections) {
    if (connection.closing) continue;
    const verdict = connection.watch.check(
      now,
      connection.queuedBytes,
      connection.delivered,
      limits,
    );
    if (verdict !== undefined) violation(connection, verdict);
  }
}
