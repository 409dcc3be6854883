/**
 * Turns a stream of byte chunks into whole lines, whatever the chunking (protocol section 1).
 *
 * A line ends at `\n`; one `\r` before it is stripped. Lines longer than `maxLineLength` bytes
 * are refused as soon as the buffered part passes the limit, not after the newline arrives.
 */
export class LineDecoder {
  readonly #maxLineLength: number;
  #parts: Buffer[] = [];
  #partsLength = 0;

  constructor(maxLineLength: number) {
    if (!Number.isInteger(maxLineLength) || maxLineLength < 1) {
      throw new TypeError(`maxLineLength must be a positive integer, got ${maxLineLength}`);
    }
    this.#maxLineLength = maxLineLength;
  }

  /** Bytes held for an unfinished line. */
  get bufferedBytes(): number {
    return this.#partsLength;
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
      if (this.#parts.length === 0) {
        line = chunk.subarray(start, newline);
      } else {
        this.#parts.push(chunk.subarray(start, newline));
        line = Buffer.concat(this.#parts, this.#partsLength + newline - start);
        this.#parts = [];
        this.#partsLength = 0;
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
    const buffered = this.#partsLength + rest;
    if (
      buffered > this.#maxLineLength + 1 ||
      (buffered === this.#maxLineLength + 1 && chunk[chunk.length - 1] !== 13)
    ) {
      this.#parts = [];
      this.#partsLength = 0;
      return false;
    }
    // Copy the tail: holding a slice would pin the whole socket read buffer.
    this.#parts.push(Buffer.from(chunk.subarray(start)));
    this.#partsLength += rest;
    return true;
  }
}
