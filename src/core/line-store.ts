/**
 * Numbered lines kept as bytes in chunks outside the JavaScript heap, with their lengths beside
 * them in a typed array: keeping a line costs a copy, not a reference to its `Buffer`, so lines
 * do not outlive their write as objects the garbage collector must move and trace. The chunks
 * come from a pool every store shares ({@link ChunkPool}): a store grows a chunk at a time and
 * gives a chunk back when its oldest lines leave it, so a store that keeps its size writes
 * without allocating, and a growing one never copies what it holds.
 *
 * The store is the bytes behind the resume logs (resume-log.ts): a session's own lines, and the
 * lines written to every member of a room, kept once for all of them.
 */
export class LineStore {
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
  #lengths: Uint32Array = NO_LINES;
  #first = 0;
  #count = 0;
  /** The number of the oldest line held. */
  #firstSeq = 1;
  /** Where the last read ended (a line's number and its offset from `#head`), for the next. */
  #cursorSeq = 0;
  #cursorOffset = 0;

  get firstSeq(): number {
    return this.#firstSeq;
  }

  /** The number the next line will get. */
  get nextSeq(): number {
    return this.#firstSeq + this.#count;
  }

  /** Bytes of the lines held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The length of line `seq`, which must be held. */
  lengthOf(seq: number): number {
    return this.#lengths[(this.#first + seq - this.#firstSeq) % this.#lengths.length] as number;
  }

  append(line: Buffer): void {
    if (this.#count === this.#lengths.length) {
      this.#lengths = regrown(this.#lengths, this.#first);
      this.#first = 0;
    }
    const chunks = this.#chunks;
    // Never `[-1]` (see LineLog.recordShared): an empty store has no last chunk.
    let last = chunks.length > 0 ? chunks[chunks.length - 1] : undefined;
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

  /** Forgets the oldest line; a chunk it leaves empty goes back to the pool. */
  dropFirst(): void {
    const length = this.#lengths[this.#first] as number;
    this.#head += length;
    this.#bytes -= length;
    this.#first = (this.#first + 1) % this.#lengths.length;
    this.#count -= 1;
    this.#firstSeq += 1;
    this.#cursorOffset -= length;
    const chunks = this.#chunks;
    while (chunks.length > 1 && this.#head >= (chunks[0] as Buffer).length) {
      const chunk = chunks.shift() as Buffer;
      this.#head -= chunk.length;
      this.#capacity -= chunk.length;
      CHUNKS.give(chunk);
    }
    if (this.#count === 0) this.#head = this.#tail = this.#first = 0;
  }

  /** Forgets every line and gives every chunk back; numbering goes on after the last line. */
  clear(): void {
    this.#firstSeq += this.#count;
    for (const chunk of this.#chunks) CHUNKS.give(chunk);
    this.#chunks = [];
    this.#lengths = NO_LINES;
    this.#head = this.#tail = this.#bytes = this.#capacity = this.#first = this.#count = 0;
  }

  /**
   * Copies line `seq` (which must be held) into `target` at `at`; returns its length. Reading
   * lines in increasing order costs one step each: the store remembers where the last read ended.
   */
  copyLine(seq: number, target: Buffer, at: number): number {
    if (this.#cursorSeq < this.#firstSeq || this.#cursorSeq > seq) {
      this.#cursorSeq = this.#firstSeq;
      this.#cursorOffset = 0;
    }
    for (; this.#cursorSeq < seq; this.#cursorSeq += 1) {
      this.#cursorOffset += this.lengthOf(this.#cursorSeq);
    }
    const length = this.lengthOf(seq);
    let offset = this.#head + this.#cursorOffset;
    let copied = 0;
    for (const chunk of this.#chunks) {
      if (copied === length) break;
      if (offset >= chunk.length) {
        offset -= chunk.length;
        continue;
      }
      const end = Math.min(chunk.length, offset + length - copied);
      copied += chunk.copy(target, at + copied, offset, end);
      offset = 0;
    }
    this.#cursorSeq = seq + 1;
    this.#cursorOffset += length;
    return length;
  }
}

/**
 * Chunks of the sizes a store asks for (powers of two from {@link MIN_CHUNK} to
 * {@link MAX_CHUNK}), kept for the next store once given back, up to {@link POOL_BYTES} in all:
 * past that a chunk given back is left to the garbage collector. A chunk is uninitialised
 * memory; a store reads only the bytes it wrote.
 */
export class ChunkPool {
  readonly #free = new Map<number, Buffer[]>();
  #bytes = 0;

  constructor(private readonly limit: number) {}

  /** Bytes of the chunks waiting for a store. */
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

/** The next chunk of a store of `capacity` bytes: about doubles it, in powers of two. */
function chunkSize(capacity: number): number {
  if (capacity < MIN_CHUNK) return MIN_CHUNK;
  return Math.min(2 ** (31 - Math.clz32(capacity)), MAX_CHUNK);
}

/** An empty ring of per-line numbers (lengths, refs), before the first line. */
export const NO_LINES = new Uint32Array(0);
/** The first chunk: a session's first lines (its joins) fit in it. */
const MIN_CHUNK = 1024;
/** The largest chunk: a store of 256 KiB (the default log limit) is 16 of them and a few smaller. */
export const MAX_CHUNK = 16 * 1024;
const MIN_LINES = 16;

/**
 * A full ring of per-line numbers, its oldest at `first`, grown to twice its size (at least
 * {@link MIN_LINES}) with the oldest first.
 */
export function regrown(ring: Uint32Array, first: number): Uint32Array {
  const grown = new Uint32Array(Math.max(2 * ring.length, MIN_LINES));
  grown.set(ring.subarray(first));
  grown.set(ring.subarray(0, first), ring.length - first);
  return grown;
}
/** What the pool keeps for stores to come. */
const POOL_BYTES = 16 * 1024 * 1024;
const CHUNKS = new ChunkPool(POOL_BYTES);
