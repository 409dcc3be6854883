import { LineStore, MAX_CHUNK, NO_LINES, regrown } from './line-store.js';

/**
 * The lines a session was sent, kept for a resume (protocol §10). Lines are numbered from 1 in
 * the order the core wrote them to the session (the login reply and a resume answer are not
 * counted); a client that received the first `n` gets every line after them again.
 *
 * A line written to the session alone is copied into the log's own {@link LineStore}. A line
 * written to every member of a room is kept once, in the room's {@link RoomLines}, and the log
 * of each member keeps only its number there: copying every room line into every member's log
 * cost a copy per delivery and ten times the memory in rooms of ten (chatter, 2026-12-02: 368
 * KiB a connection against 33 KiB with resume off).
 *
 * While connected the log keeps the latest lines up to its byte limit, dropping the oldest: the
 * client has most likely read them (or said so: {@link acknowledge}). While away it must keep
 * every line from the moment the connection broke; when those alone pass the limit the log
 * overflows and can no longer serve a resume.
 */
export class LineLog {
  /** The bytes of the lines written to this session alone. */
  readonly #own: LineStore;
  /** Per line held, oldest at `#first` (wrapping): its length. */
  #lengths: Uint32Array = NO_LINES;
  /** Per line held: {@link OWN}, or its number in its room's lines less its source's base. */
  #refs: Uint32Array = NO_LINES;
  #first = 0;
  #count = 0;
  /** The rooms whose lines the log refers to, oldest first (see {@link Source}). */
  #sources: Source[] = [];
  /** The number of the oldest line held. */
  #firstSeq: number;
  /** Bytes of the lines held. */
  #bytes = 0;
  /** The number of the first line written while away; Infinity while connected. */
  #heldFrom = Infinity;
  /** Bytes of the lines written while away. */
  #heldBytes = 0;
  #overflowed = false;

  /** A log whose first line will be numbered `firstSeq` (a session moved from another node). */
  constructor(firstSeq = 1) {
    this.#firstSeq = firstSeq;
    this.#own = new LineStore();
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
    this.#own.clear();
    for (const source of this.#sources) source.lines.removeReader(this);
    this.#sources = [];
    this.#lengths = this.#refs = NO_LINES;
    this.#bytes = this.#first = this.#count = 0;
  }

  /**
   * Appends a line written to this session alone, within `limit` bytes. Returns the bytes it
   * added to what is held while away (0 while connected, or once overflowed).
   */
  record(line: Buffer, limit: number): number {
    if (!this.#makeRoom(line.length, limit)) return 0;
    this.#own.append(line);
    return this.#push(line.length, OWN);
  }

  /**
   * Appends line `seq` of a room's lines, of `length` bytes, within `limit` bytes; returns as
   * {@link record} does. The line stays in `lines`, which keeps it while this log refers to it.
   */
  recordShared(lines: RoomLines, seq: number, length: number, limit: number): number {
    if (!this.#makeRoom(length, limit)) return 0;
    const sources = this.#sources;
    // Never `[-1]`: a load past an array's start is a named lookup, and V8 then gives the site
    // its slowest (megamorphic) form for every later call.
    let source = sources.length > 0 ? sources[sources.length - 1] : undefined;
    if (source === undefined || source.lines !== lines || seq - source.base >= OWN) {
      source = { lines, from: this.nextSeq, base: seq };
      sources.push(source);
      lines.addReader(this);
    }
    return this.#push(length, seq - source.base);
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
   * longer held (or `received` counts lines never sent). Copies: the logs go on being written.
   */
  after(received: number): Buffer[] | undefined {
    if (this.#overflowed || received + 1 < this.#firstSeq || received + 1 > this.nextSeq) {
      return undefined;
    }
    return this.#copy(received + 1 - this.#firstSeq);
  }

  /** Every line still held, oldest first, from number {@link firstSeq}. */
  held(): { firstSeq: number; lines: Buffer[] } {
    const lines = this.#overflowed ? [] : this.#copy(0);
    if (lines === undefined) return { firstSeq: this.nextSeq, lines: [] };
    return { firstSeq: this.#firstSeq, lines };
  }

  /**
   * The client has the first `received` lines (`6:<received>`): forgets them. Only a connected
   * session acknowledges; while away nothing is forgotten this way.
   */
  acknowledge(received: number): void {
    if (this.#overflowed || this.#heldFrom !== Infinity) return;
    while (this.#count > 0 && this.#firstSeq <= received) this.#drop();
  }

  /**
   * The number of the oldest line of `lines` this log refers to, or Infinity; with `pinned`,
   * of those written while away only (which it must never lose).
   */
  oldestIn(lines: RoomLines, pinned: boolean): number {
    const skip = pinned ? this.#heldFrom - this.#firstSeq : 0;
    let oldest = Infinity;
    this.#walk(Math.max(0, skip), (_, ref, source) => {
      if (ref === OWN || source?.lines !== lines) return true;
      oldest = source.base + ref;
      return false;
    });
    return oldest;
  }

  /**
   * `lines` lets go of its lines before `seq`: forgets its oldest lines, up to the last one that
   * refers to such a line. Never one written while away ({@link RoomLines} keeps those).
   */
  forgetBefore(lines: RoomLines, seq: number): void {
    // The lines of one room a log refers to have growing numbers: find the last one before `seq`.
    let last = -1;
    this.#walk(0, (index, ref, source) => {
      if (ref === OWN || source?.lines !== lines) return true;
      if (source.base + ref >= seq) return false;
      last = index;
      return true;
    });
    for (let index = 0; index <= last && this.#firstSeq < this.#heldFrom; index += 1) this.#drop();
  }

  /**
   * Calls `visit` with each line held from the `from`-th on, oldest first: its index, its ref,
   * and the source it belongs to (undefined for own lines before the first); stops when `visit`
   * returns false.
   */
  #walk(
    from: number,
    visit: (index: number, ref: number, source: Source | undefined) => boolean,
  ): void {
    const sources = this.#sources;
    let s = 0;
    for (let index = from; index < this.#count; index += 1) {
      const seq = this.#firstSeq + index;
      while (s + 1 < sources.length && (sources[s + 1] as Source).from <= seq) s += 1;
      const ref = this.#refs[(this.#first + index) % this.#refs.length] as number;
      if (!visit(index, ref, sources[s])) return;
    }
  }

  /** Drops the oldest lines for a line of `length`; false when it is not to be kept. */
  #makeRoom(length: number, limit: number): boolean {
    if (this.#overflowed) return false;
    // The oldest lines make room, as long as they were written while connected.
    while (this.#bytes + length > limit && this.#count > 0 && this.#firstSeq < this.#heldFrom) {
      this.#drop();
    }
    if (this.#bytes + length <= limit) return true;
    // Lines written while away are never dropped: past the limit the log cannot serve a resume.
    // While connected every older line went, so this one alone is too big: numbered, not kept.
    if (this.nextSeq >= this.#heldFrom) this.overflow();
    else this.#firstSeq += 1;
    return false;
  }

  /** Appends the entry of a line whose bytes are kept; returns what it adds to the held bytes. */
  #push(length: number, ref: number): number {
    if (this.#count === this.#lengths.length) this.#grow();
    const at = (this.#first + this.#count) % this.#lengths.length;
    this.#lengths[at] = length;
    this.#refs[at] = ref;
    const away = this.nextSeq >= this.#heldFrom;
    this.#count += 1;
    this.#bytes += length;
    if (!away) return 0;
    this.#heldBytes += length;
    return length;
  }

  /** Forgets the oldest line held, and a room it was the last line of. */
  #drop(): void {
    const length = this.#lengths[this.#first] as number;
    if (this.#refs[this.#first] === OWN) this.#own.dropFirst();
    this.#bytes -= length;
    this.#first = (this.#first + 1) % this.#lengths.length;
    this.#count -= 1;
    this.#firstSeq += 1;
    const sources = this.#sources;
    while (sources.length > 0) {
      const next = sources[1];
      if (next !== undefined ? next.from > this.#firstSeq : this.#count > 0) break;
      (sources.shift() as Source).lines.removeReader(this);
    }
    if (this.#count === 0) this.#first = 0;
  }

  #grow(): void {
    this.#lengths = regrown(this.#lengths, this.#first);
    this.#refs = regrown(this.#refs, this.#first);
    this.#first = 0;
  }

  /** The lines from the `skip`-th held one on, as views of one fresh copy of their bytes. */
  #copy(skip: number): Buffer[] | undefined {
    const lengths = this.#lengths;
    let bytes = 0;
    for (let index = skip; index < this.#count; index += 1) {
      bytes += lengths[(this.#first + index) % lengths.length] as number;
    }
    const copy = Buffer.allocUnsafeSlow(bytes);
    // The own lines before the first to copy: the own store numbers only its own lines.
    let ownSeq = this.#own.firstSeq;
    const lines: Buffer[] = [];
    let at = 0;
    let gap = false;
    this.#walk(0, (index, ref, source) => {
      if (index < skip) {
        if (ref === OWN) ownSeq += 1;
        return true;
      }
      let length: number;
      if (ref === OWN) {
        length = this.#own.copyLine(ownSeq, copy, at);
        ownSeq += 1;
      } else {
        const { store } = (source as Source).lines;
        const seq = (source as Source).base + ref;
        // Not expected (a room lets go of a line only after its logs forgot it), but a gap.
        if (seq < store.firstSeq) {
          gap = true;
          return false;
        }
        length = store.copyLine(seq, copy, at);
      }
      lines.push(copy.subarray(at, at + length));
      at += length;
      return true;
    });
    return gap ? undefined : lines;
  }
}

/**
 * The lines written to every member of one room (joins, leaves, master changes and messages),
 * kept once for all the members' logs, which refer to them by number. A line is kept while a
 * log refers to it; but the room keeps at most twice the logs' limit of the lines its connected
 * members refer to (a member that mostly sends, and so receives little, would otherwise hold a
 * long history of the others' lines): past that the oldest go, and the logs that referred to
 * them forget their lines up to there (they were written while connected, and the client has
 * most likely read them). A line written to a member while away is never let go without that
 * member's log overflowing.
 */
export class RoomLines {
  readonly store = new LineStore();
  /** The logs that refer to lines here, each with the number of its sources that do. */
  readonly #readers = new Map<LineLog, number>();
  /** The bytes past which the next line looks for lines no log refers to any more. */
  #trimAt = MAX_CHUNK;

  /** Keeps a line written to the room's members; returns its number. */
  append(line: Buffer, limit: number): number {
    if (this.store.bytes + line.length > this.#trimAt) this.#trim(limit);
    const seq = this.store.nextSeq;
    this.store.append(line);
    return seq;
  }

  /** How many logs refer to lines here. */
  get readers(): number {
    return this.#readers.size;
  }

  addReader(log: LineLog): void {
    this.#readers.set(log, (this.#readers.get(log) ?? 0) + 1);
  }

  removeReader(log: LineLog): void {
    const count = this.#readers.get(log) ?? 0;
    if (count <= 1) this.#readers.delete(log);
    else this.#readers.set(log, count - 1);
  }

  /** Lets go of the lines no log refers to, and of the oldest beyond twice the limit. */
  #trim(limit: number): void {
    const store = this.store;
    let floor = store.nextSeq;
    for (const log of this.#readers.keys()) floor = Math.min(floor, log.oldestIn(this, false));
    let kept = store.bytes;
    for (let seq = store.firstSeq; seq < floor; seq += 1) kept -= store.lengthOf(seq);
    if (kept > 2 * limit) {
      // Too long a history: the oldest lines go, and the logs forget them. A log that held one
      // of them while away can no longer serve a resume. (A member away is sent every line of
      // its room, so its held lines pass its own limit, and overflow it, long before this.)
      let cut = floor;
      while (kept > 2 * limit && cut < store.nextSeq) {
        kept -= store.lengthOf(cut);
        cut += 1;
      }
      for (const log of [...this.#readers.keys()]) {
        if (log.oldestIn(this, true) < cut) log.overflow();
        else log.forgetBefore(this, cut);
      }
      floor = cut;
    }
    while (store.firstSeq < floor && store.firstSeq < store.nextSeq) store.dropFirst();
    this.#trimAt = store.bytes + Math.max(MAX_CHUNK, limit / 4);
  }
}

/**
 * A run of a log's lines that may refer to one room's lines: from the log's line `from` on,
 * until the next source's `from`; an entry's number there is `base` plus its ref.
 */
interface Source {
  readonly lines: RoomLines;
  readonly from: number;
  readonly base: number;
}

/** The ref of a line kept in the log's own store. */
const OWN = 0xffffffff;
