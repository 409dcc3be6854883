/**
 * The lines a session was sent, kept for a resume (protocol §10). Lines are numbered from 1 in
 * the order the core wrote them to the session (the login reply and a resume answer are not
 * counted); a client that received the first `n` gets every line after them again. Pure
 * arithmetic over shared `Buffer`s: a line fanned out to many sessions is one Buffer held by
 * each of their logs, never copied.
 *
 * While connected the log keeps the latest lines up to its byte limit, dropping the oldest: the
 * client has most likely read them. While away it must keep every line from the moment the
 * connection broke; when those alone pass the limit the log overflows and can no longer serve
 * a resume.
 */
export class LineLog {
  #lines: Buffer[] = [];
  /** Index of the oldest line still held. */
  #head = 0;
  /** The number of `#lines[0]`. */
  #base = 1;
  /** Bytes of the lines held. */
  #bytes = 0;
  /** The number of the first line written while away; Infinity while connected. */
  #heldFrom = Infinity;
  /** Bytes of the lines written while away. */
  #heldBytes = 0;
  #overflowed = false;

  /** A log whose first line will be numbered `firstSeq` (a session moved from another node). */
  constructor(firstSeq = 1) {
    this.#base = firstSeq;
  }

  /** The number the next line will get. */
  get nextSeq(): number {
    return this.#base + this.#lines.length;
  }

  /** The number of the oldest line still held. */
  get firstSeq(): number {
    return this.#base + this.#head;
  }

  /** Bytes of the lines written since the connection broke. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  get overflowed(): boolean {
    return this.#overflowed;
  }

  /** The log can no longer serve a resume (a limit above it was passed). */
  overflow(): void {
    this.#overflowed = true;
    this.#lines = [];
    this.#head = 0;
    this.#bytes = 0;
  }

  /**
   * Appends a line, within `limit` bytes. Returns the bytes it added to what is held while away
   * (0 while connected, or once overflowed).
   */
  record(line: Buffer, limit: number): number {
    if (this.#overflowed) return 0;
    this.#lines.push(line);
    this.#bytes += line.length;
    const held = this.nextSeq - 1 >= this.#heldFrom ? line.length : 0;
    this.#heldBytes += held;
    if (this.#bytes > limit) this.#trim(limit);
    return held;
  }

  /** The connection broke: from now on every line is held until a resume or the end. */
  holdFromNow(): void {
    this.#heldFrom = this.nextSeq;
    this.#heldBytes = 0;
  }

  /** The session is connected again: lines may be dropped oldest first once more. */
  connected(): void {
    this.#heldFrom = Infinity;
    this.#heldBytes = 0;
  }

  /**
   * The lines after the first `received`, oldest first, or undefined when some of them are no
   * longer held (or `received` counts lines never sent).
   */
  after(received: number): Buffer[] | undefined {
    if (this.#overflowed || received + 1 < this.firstSeq || received + 1 > this.nextSeq) {
      return undefined;
    }
    const start = received + 1 - this.#base;
    return this.#lines.slice(start);
  }

  /** Every line still held, oldest first, from number {@link firstSeq}. */
  held(): { firstSeq: number; lines: Buffer[] } {
    return { firstSeq: this.firstSeq, lines: this.#lines.slice(this.#head) };
  }

  /**
   * The client has the first `received` lines (`6:<received>`): forgets them. Only a connected
   * session acknowledges; while away nothing is forgotten this way.
   */
  acknowledge(received: number): void {
    if (this.#overflowed || this.#heldFrom !== Infinity) return;
    while (this.firstSeq <= received && this.#head < this.#lines.length) this.#drop();
    this.#compact();
  }

  #drop(): void {
    this.#bytes -= (this.#lines[this.#head] as Buffer).length;
    this.#lines[this.#head] = EMPTY;
    this.#head += 1;
  }

  #trim(limit: number): void {
    const lines = this.#lines;
    while (this.#bytes > limit && this.firstSeq < this.#heldFrom && this.#head < lines.length) {
      this.#drop();
    }
    // Lines written while away are never dropped: past the limit the log cannot serve a resume.
    if (this.#bytes > limit) this.overflow();
    else this.#compact();
  }

  /** Copies the held lines to the front once the dropped ones are at least half the arrays. */
  #compact(): void {
    const lines = this.#lines;
    if (this.#head >= 64 && this.#head * 2 >= lines.length) {
      this.#base += this.#head;
      this.#lines = lines.slice(this.#head);
      this.#head = 0;
    }
  }
}

const EMPTY = Buffer.alloc(0);
