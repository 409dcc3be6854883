/**
 * The lines a session was sent, kept for a resume (protocol §10). Lines are numbered from 1 in
 * the order the core wrote them to the session (the login reply and a resume answer are not
 * counted); a client that received the first `n` gets every line after them again.
 *
 * The bytes are copied into a ring of the session's own, outside the JavaScript heap, with the
 * lines' lengths beside them in a typed array: keeping a line costs a copy, not a reference to
 * its `Buffer`, so lines do not outlive their write as objects the garbage collector must move
 * and trace (with a `Buffer` per line held by every member's log, the collector's work grew
 * with the logs, and chatter cost 10% more CPU with resume on than off).
 *
 * While connected the log keeps the latest lines up to its byte limit, dropping the oldest: the
 * client has most likely read them (or said so: {@link acknowledge}). While away it must keep
 * every line from the moment the connection broke; when those alone pass the limit the log
 * overflows and can no longer serve a resume.
 */
export class LineLog {
  /** The bytes of the lines held, from `#start`, wrapping at the end. */
  #data: Buffer = EMPTY;
  #start = 0;
  /** Bytes of the lines held. */
  #bytes = 0;
  /** The lengths of the lines held, oldest at `#first`, wrapping at the end. */
  #lengths: Uint32Array = NO_LENGTHS;
  #first = 0;
  #count = 0;
  /** The number of the oldest line held. */
  #firstSeq: number;
  /** The number of the first line written while away; Infinity while connected. */
  #heldFrom = Infinity;
  /** Bytes of the lines written while away. */
  #heldBytes = 0;
  #overflowed = false;

  /** A log whose first line will be numbered `firstSeq` (a session moved from another node). */
  constructor(firstSeq = 1) {
    this.#firstSeq = firstSeq;
  }

  /** The number the next line will get. */
  get nextSeq(): number {
    return this.#firstSeq + this.#count;
  }

  /** The number of the oldest line still held. */
  get firstSeq(): number {
    return this.#firstSeq;
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
    this.#firstSeq += this.#count;
    this.#data = EMPTY;
    this.#lengths = NO_LENGTHS;
    this.#start = this.#bytes = this.#first = this.#count = 0;
  }

  /**
   * Appends a line, within `limit` bytes. Returns the bytes it added to what is held while away
   * (0 while connected, or once overflowed).
   */
  record(line: Buffer, limit: number): number {
    if (this.#overflowed) return 0;
    const away = this.nextSeq >= this.#heldFrom;
    // The oldest lines make room, as long as they were written while connected.
    while (
      this.#bytes + line.length > limit &&
      this.#count > 0 &&
      this.#firstSeq < this.#heldFrom
    ) {
      this.#drop();
    }
    if (this.#bytes + line.length > limit) {
      // Lines written while away are never dropped: past the limit the log cannot serve a
      // resume. While connected every older line went, so this one alone is too big: numbered,
      // but not kept.
      if (away) this.overflow();
      else this.#firstSeq += 1;
      return 0;
    }
    this.#append(line);
    if (!away) return 0;
    this.#heldBytes += line.length;
    return line.length;
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
   * longer held (or `received` counts lines never sent). Copies: the ring goes on being written.
   */
  after(received: number): Buffer[] | undefined {
    if (this.#overflowed || received + 1 < this.#firstSeq || received + 1 > this.nextSeq) {
      return undefined;
    }
    return this.#copy(received + 1 - this.#firstSeq);
  }

  /** Every line still held, oldest first, from number {@link firstSeq}. */
  held(): { firstSeq: number; lines: Buffer[] } {
    return { firstSeq: this.#firstSeq, lines: this.#overflowed ? [] : this.#copy(0) };
  }

  /**
   * The client has the first `received` lines (`6:<received>`): forgets them. Only a connected
   * session acknowledges; while away nothing is forgotten this way.
   */
  acknowledge(received: number): void {
    if (this.#overflowed || this.#heldFrom !== Infinity) return;
    while (this.#count > 0 && this.#firstSeq <= received) this.#drop();
  }

  /** Forgets the oldest line held. */
  #drop(): void {
    const length = this.#lengths[this.#first] as number;
    this.#start = (this.#start + length) % this.#data.length || 0;
    this.#bytes -= length;
    this.#first = (this.#first + 1) % this.#lengths.length;
    this.#count -= 1;
    this.#firstSeq += 1;
    if (this.#count === 0) this.#start = this.#first = 0;
  }

  #append(line: Buffer): void {
    if (this.#bytes + line.length > this.#data.length) this.#growData(this.#bytes + line.length);
    if (this.#count === this.#lengths.length) this.#growLengths();
    const capacity = this.#data.length;
    const end = (this.#start + this.#bytes) % capacity;
    const first = Math.min(line.length, capacity - end);
    line.copy(this.#data, end, 0, first);
    if (first < line.length) line.copy(this.#data, 0, first);
    this.#bytes += line.length;
    this.#lengths[(this.#first + this.#count) % this.#lengths.length] = line.length;
    this.#count += 1;
  }

  /** Room for `needed` bytes: twice the ring, or what is needed, the held bytes first. */
  #growData(needed: number): void {
    const grown = Buffer.allocUnsafeSlow(Math.max(needed, 2 * this.#data.length, MIN_BYTES));
    this.#read(this.#start, this.#bytes, grown, 0);
    this.#data = grown;
    this.#start = 0;
  }

  #growLengths(): void {
    const grown = new Uint32Array(Math.max(2 * this.#lengths.length, MIN_LINES));
    for (let index = 0; index < this.#count; index += 1) {
      grown[index] = this.#lengths[(this.#first + index) % this.#lengths.length] as number;
    }
    this.#lengths = grown;
    this.#first = 0;
  }

  /** Copies `length` bytes of the ring from `offset` (wrapping) into `target` at `at`. */
  #read(offset: number, length: number, target: Buffer, at: number): void {
    const capacity = this.#data.length;
    if (length === 0) return;
    const first = Math.min(length, capacity - offset);
    this.#data.copy(target, at, offset, offset + first);
    if (first < length) this.#data.copy(target, at + first, 0, length - first);
  }

  /** The lines from the `skip`-th held one on, as views of one fresh copy of their bytes. */
  #copy(skip: number): Buffer[] {
    const lengths = this.#lengths;
    let offset = this.#start;
    for (let index = 0; index < skip; index += 1) {
      offset += lengths[(this.#first + index) % lengths.length] as number;
    }
    let total = 0;
    for (let index = skip; index < this.#count; index += 1) {
      total += lengths[(this.#first + index) % lengths.length] as number;
    }
    const copy = Buffer.allocUnsafeSlow(total);
    this.#read(this.#data.length === 0 ? 0 : offset % this.#data.length, total, copy, 0);
    const lines: Buffer[] = [];
    let at = 0;
    for (let index = skip; index < this.#count; index += 1) {
      const length = lengths[(this.#first + index) % lengths.length] as number;
      lines.push(copy.subarray(at, at + length));
      at += length;
    }
    return lines;
  }
}

const EMPTY = Buffer.alloc(0);
const NO_LENGTHS = new Uint32Array(0);
/** The smallest ring: a session's first lines (its joins) fit in it. */
const MIN_BYTES = 1024;
const MIN_LINES = 16;
