/** No bytes held: the state between lines. */
const EMPTY = Buffer.alloc(0);
const NEWLINE = Buffer.from('\n');
/** The first buffer an unfinished line gets; it doubles from there, up to the line limit. */
const INITIAL_CAPACITY = 256;
/** Kept between lines for reuse; a bigger buffer (after a long line) is let go. */
const RETAINED_CAPACITY = 16 * 1024;

/**
 * Turns a stream of byte chunks into whole lines, whatever the chunking (protocol section 1).
 *
 * A line ends at `\n`; one `\r` before it is stripped. Lines longer than `maxLineLength` bytes
 * are refused as soon as the buffered part passes the limit, not after the newline arrives.
 * The unfinished part is held in one growing buffer, so that it costs about its size however
 * it was chunked (issue #15, item 5: one byte per read used to cost a buffer per byte).
 */
export class LineDecoder {
  readonly #maxLineLength: number;
  #pending: Buffer = EMPTY;
  #pendingLength = 0;

  constructor(maxLineLength: number) {
    if (!Number.isInteger(maxLineLength) || maxLineLength < 1) {
      throw new TypeError(`maxLineLength must be a positive integer, got ${maxLineLength}`);
    }
    this.#maxLineLength = maxLineLength;
  }

  /** Bytes held for an unfinished line. */
  get bufferedBytes(): number {
    return this.#pendingLength;
  }

  /** Bytes allocated for the unfinished line: at most twice {@link bufferedBytes}, plus a little. */
  get capacity(): number {
    return this.#pending.length;
  }

  /**
   * Feeds one chunk and calls `onLine` for every line it completes, in order. `onLine` may
   * return `false` to stop early (the connection is closing). Returns `false` when a line
   * passed the length limit: the caller refuses it and closes; the decoder is then spent.
   */
  push(chunk: Buffer, onLine: (line: Buffer) => boolean | void): boolean {
    let start = 0;
    let newline = chunk.indexOf(10, start);
    while (newline !== -1) {
      let line: Buffer;
      if (this.#pendingLength === 0) {
        line = chunk.subarray(start, newline);
      } else {
        // A fresh buffer: the line may be kept (pipelined behind a login) after the next read.
        const held = this.#pending.subarray(0, this.#pendingLength);
        line = Buffer.concat([held, chunk.subarray(start, newline)]);
        this.#release();
      }
      let end = line.length;
      if (end > 0 && line[end - 1] === 13) end -= 1;
      if (end > this.#maxLineLength) return false;
      if (onLine(end === line.length ? line : line.subarray(0, end)) === false) return true;
      start = newline + 1;
      newline = chunk.indexOf(10, start);
    }
    const rest = chunk.length - start;
    if (rest === 0) return true;
    // Past the limit already, unless the one byte over is a `\r` that a `\n` may still follow.
    const buffered = this.#pendingLength + rest;
    if (
      buffered > this.#maxLineLength + 1 ||
      (buffered === this.#maxLineLength + 1 && chunk[chunk.length - 1] !== 13)
    ) {
      this.#release();
      return false;
    }
    // Copy the tail: holding a slice would pin the whole socket read buffer.
    this.#reserve(buffered);
    chunk.copy(this.#pending, this.#pendingLength, start);
    this.#pendingLength = buffered;
    return true;
  }

  /**
   * Feeds a chunk that ends a line, such as one WebSocket message: as {@link push}, then as if a
   * `\n` followed, unless the chunk ends with one (protocol section 1, WebSocket). The common
   * case, one line without a newline and nothing pending, is handed on without a copy.
   */
  pushFinal(chunk: Buffer, onLine: (line: Buffer) => boolean | void): boolean {
    if (this.#pendingLength === 0 && chunk.indexOf(10) === -1) {
      const end =
        chunk.length > 0 && chunk[chunk.length - 1] === 13 ? chunk.length - 1 : chunk.length;
      if (end > this.#maxLineLength) return false;
      onLine(end === chunk.length ? chunk : chunk.subarray(0, end));
      return true;
    }
    if (!this.push(chunk, onLine)) return false;
    return chunk[chunk.length - 1] === 10 || this.push(NEWLINE, onLine);
  }

  /** Makes room for `needed` bytes, doubling the buffer (never past the limit plus a `\r`). */
  #reserve(needed: number): void {
    if (needed <= this.#pending.length) return;
    const doubled = Math.max(INITIAL_CAPACITY, this.#pending.length * 2);
    const grown = Buffer.allocUnsafe(Math.max(needed, Math.min(doubled, this.#maxLineLength + 1)));
    this.#pending.copy(grown, 0, 0, this.#pendingLength);
    this.#pending = grown;
  }

  /** Forgets the unfinished line; keeps a small buffer for the next one. */
  #release(): void {
    this.#pendingLength = 0;
    if (this.#pending.length > RETAINED_CAPACITY) this.#pending = EMPTY;
  }
}
