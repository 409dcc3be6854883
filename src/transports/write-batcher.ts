import type { Writable } from 'node:stream';

/**
 * Corks a stream on its first write of an event-loop turn and uncorks every corked stream once,
 * after the turn's I/O callbacks ran, so many small lines leave in one `writev` (issue #2, hot path).
 */
export class WriteBatcher {
  #corked: Writable[] = [];
  #scheduled = false;
  readonly #flush = (): void => {
    this.#scheduled = false;
    const corked = this.#corked;
    this.#corked = [];
    for (const stream of corked) stream.uncork();
  };

  cork(stream: Writable): void {
    if (stream.writableCorked > 0) return;
    stream.cork();
    this.#corked.push(stream);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
  }
}
