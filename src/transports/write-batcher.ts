/** A connection that holds the writes of one event-loop turn and lets them go together. */
export interface Batched {
  flush(): void;
}

/**
 * Collects the connections written to during one event-loop turn and flushes each once, after
 * the turn's I/O callbacks ran (`setImmediate`), so many small lines leave in one `writev`
 * (issue #2, hot path).
 */
export class WriteBatcher {
  #pending: Batched[] = [];
  #scheduled = false;
  readonly #flushAll = (): void => {
    this.#scheduled = false;
    const pending = this.#pending;
    this.#pending = [];
    for (const connection of pending) connection.flush();
  };

  /** Flushes `connection` at the end of this turn; call once per turn, on its first write. */
  add(connection: Batched): void {
    this.#pending.push(connection);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flushAll);
    }
  }
}
