/**
 * The lines a session was sent, kept for a resume (protocol §10). Lines are numbered from 1 in
 * the order the core wrote them to the session (the login reply and a resume answer are not
 * counted); a client that received the first `n` gets every line after them again.
 *
 * The bytes are copied into chunks outside the JavaScript heap, with the lines' lengths beside
 * them in a typed array: keeping a line costs a copy, not a reference to its `Buffer`, so lines
 * do not outlive their write as objects the garbage collector must move and trace (with a
 * `Buffer` per line held by every member's log, the collector's work grew with the logs, and
 * chatter cost 10% more CPU with resume on than off). The chunks come from a pool shared by
 * every log ({@link ChunkPool}): a log grows a chunk at a time and gives a chunk back when its
 * oldest lines leave it, so a full log writes without allocating, and a growing one never copies
 * what it holds (a log that doubled one buffer copied it, and every member of a busy room
 * doubled at about the same moment: chatter's p99 was 6x to 14x higher with resume on).
 *
 * While connected the log keeps the latest lines up to its byte limit, dropping the oldest: the
 * client has most likely read them (or said so: {@link acknowledge}). While away it must keep
 * every line from the moment the connection broke; when those alone pass the limit the log
 * overflows and can no longer serve a resume.
 */
export class LineLog {
  /** The bytes of the lines held, oldest first: from `#head` in the first chunk. */
  #chunks: Buffer[] = [];
  #head = 0;
  /** Bytes written in the last chunk. */
  #tail = 0;
  /** Bytes of the lines held. */
  #bytes = 0;
  /** Bytes of all chunks: the next chunk doubles it, up to the largest size. */
  #capacity = 0;
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

  /** The log can no longer serve a resume (a limit above it was passed, or the session ended). */
  overflow(): void {
    this.#overflowed = true;
    this.#firstSeq += this.#count;
    for (const chunk of this.#chunks) CHUNKS.give(chunk);
    this.#chunks = [];
    this.#lengths = NO_LENGTHS;
    this.#head = this.#tail = this.#bytes = this.#capacity = this.#first = this.#count = 0;
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
   * longer held (or `received` counts lines never sent). Copies: the chunks go on being written.
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

  /** Forgets the oldest line held; a chunk it leaves empty goes back to the pool. */
  #drop(): void {
    const length = this.#lengths[this.#first] as number;
    this.#head += length;
    this.#bytes -= length;
    this.#first = (this.#first + 1) % this.#lengths.length;
    this.#count -= 1;
    this.#firstSeq += 1;
    const chunks = this.#chunks;
    while (chunks.length > 1 && this.#head >= (chunks[0] as Buffer).length) {
      const chunk = chunks.shift() as Buffer;
      this.#head -= chunk.length;
      this.#capacity -= chunk.length;
      CHUNKS.give(chunk);
    }
    if (this.#count === 0) this.#head = this.#tail = this.#first = 0;
  }

  #append(line: Buffer): void {
    if (this.#count === this.#lengths.length) this.#growLengths();
    const chunks = this.#chunks;
    let last = chunks[chunks.length - 1];
    for (let at = 0; at < line.length;) {
      if (last === undefined || this.#tail === last.length) {
        last = CHUNKS.take(chunkSize(this.#capacity));
        chunks.push(last);
        this.#capacity += last.length;
        this.#tail = 0;
      }
      const end = Math.min(line.length, at + last.length - this.#tail);
      // `set` is V8's own copy; `Buffer#copy` checks its arguments in JavaScript, then calls C++.
      last.set(at === 0 && end === line.length ? line : line.subarray(at, end), this.#tail);
      this.#tail += end - at;
      at = end;
    }
    this.#bytes += line.length;
    this.#lengths[(this.#first + this.#count) % this.#lengths.length] = line.length;
    this.#count += 1;
  }

  #growLengths(): void {
    const lengths = this.#lengths;
    const grown = new Uint32Array(Math.max(2 * lengths.length, MIN_LINES));
    // Full when it grows: the oldest at `#first`, wrapping to the newest before it.
    grown.set(lengths.subarray(this.#first));
    grown.set(lengths.subarray(0, this.#first), lengths.length - this.#first);
    this.#lengths = grown;
    this.#first = 0;
  }

  /** The lines from the `skip`-th held one on, as views of one fresh copy of their bytes. */
  #copy(skip: number): Buffer[] {
    const lengths = this.#lengths;
    let offset = this.#head;
    for (let index = 0; index < skip; index += 1) {
      offset += lengths[(this.#first + index) % lengths.length] as number;
    }
    const copy = Buffer.allocUnsafeSlow(this.#bytes - (offset - this.#head));
    let at = 0;
    for (const chunk of this.#chunks) {
      const used = chunk === this.#chunks[this.#chunks.length - 1] ? this.#tail : chunk.length;
      if (offset < used) at += chunk.copy(copy, at, offset, used);
      offset = Math.max(0, offset - chunk.length);
    }
    const lines: Buffer[] = [];
    at = 0;
    for (let index = skip; index < this.#count; index += 1) {
      const length = lengths[(this.#first + index) % lengths.length] as number;
      lines.push(copy.subarray(at, at + length));
      at += length;
    }
    return lines;
  }
}

/**
 * Chunks of the sizes a log asks for (powers of two from {@link MIN_CHUNK} to
 * {@link MAX_CHUNK}), kept for the next log once given back, up to {@link POOL_BYTES} in all:
 * past that a chunk given back is left to the garbage collector. A chunk is uninitialised
 * memory; a log reads only the bytes it wrote.
 */
export class ChunkPool {
  readonly #free = new Map<number, Buffer[]>();
  #bytes = 0;

  constructor(private readonly limit: number) {}

  /** Bytes of the chunks waiting for a log. */
  get bytes(): number {
    return this.#bytes;
  }

  take(size: number): Buffer {
    const chunk = this.#free.get(size)?.pop();
    if (chunk === undefined) return Buffer.allocUnsafeSlow(size);
    this.#bytes -= size;
    return chunk;
  }

  give(chunk: Buffer): void {
    if (this.#bytes + chunk.length > this.limit) return;
    let free = this.#free.get(chunk.length);
    if (free === undefined) this.#free.set(chunk.length, (free = []));
    free.push(chunk);
    this.#bytes += chunk.length;
  }
}

/** The next chunk of a log of `capacity` bytes: about doubles it, in powers of two. */
function chunkSize(capacity: number): number {
  if (capacity < MIN_CHUNK) return MIN_CHUNK;
  return Math.min(2 ** (31 - Math.clz32(capacity)), MAX_CHUNK);
}

const NO_LENGTHS = new Uint32Array(0);
/** The first chunk: a session's first lines (its joins) fit in it. */
const MIN_CHUNK = 1024;
/** The largest chunk: a log of 256 KiB (the default limit) is 16 of them and a few smaller. */
const MAX_CHUNK = 16 * 1024;
const MIN_LINES = 16;
/** What the pool keeps for logs to come. */
const POOL_BYTES = 16 * 1024 * 1024;
const CHUNKS = new ChunkPool(POOL_BYTES);
