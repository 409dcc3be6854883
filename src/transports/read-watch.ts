/** What the partial-line watch looks at on each sweep. */
export interface ReadProgress {
  /** Bytes are held for a line (or WebSocket frame) that has not ended yet. */
  readonly unfinished: boolean;
  /** Grows each time a line or frame ends: progress, whatever is pending after it. */
  readonly completed: number;
  /** Reading is paused by our own backpressure: the peer cannot finish, so it is not timed. */
  readonly paused: boolean;
}

/**
 * Times the line (or WebSocket frame) a peer has started and not finished (issue #15, item 5):
 * past `timeoutMs` without ending, the connection is refused with `line_timeout`. Rides the
 * server's tick, like the {@link WriteWatch}, so the hot read path never looks at a clock.
 */
export class ReadWatch {
  #since = -1;
  #completed = 0;

  /** One look; true when the unfinished line has been pending `timeoutMs` or longer. */
  check(now: number, progress: ReadProgress, timeoutMs: number): boolean {
    if (timeoutMs <= 0) return false;
    if (!progress.unfinished || progress.paused || progress.completed !== this.#completed) {
      this.#completed = progress.completed;
      this.#since = progress.unfinished ? now : -1;
      return false;
    }
    if (this.#since < 0) this.#since = now;
    return now - this.#since >= timeoutMs;
  }
}

/** A connection as the read sweep sees it. */
export interface ReadWatched {
  readonly closing: boolean;
  readonly readWatch: ReadWatch;
  readonly readProgress: ReadProgress;
}

/** Looks at every open connection once; `timedOut` is called for each unfinished for too long. */
export function sweepReads<T extends ReadWatched>(
  connections: Iterable<T>,
  now: number,
  timeoutMs: number,
  timedOut: (connection: T) => void,
): void {
  if (timeoutMs <= 0) return;
  for (const connection of connections) {
    if (connection.closing) continue;
    if (connection.readWatch.check(now, connection.readProgress, timeoutMs)) timedOut(connection);
  }
}
