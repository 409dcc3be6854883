/**
 * A list the admin API builds from the core (clients, rooms), kept for `maxAgeMs` when it is
 * big, so that readers polling a busy server share one build instead of each walking 10,000
 * sessions (issue #15, item 12). A list of at most `minCachedLength` entries is cheap and
 * always built fresh.
 */
export class SnapshotCache<T> {
  #list: readonly T[] | undefined;
  #builtAt = 0;

  constructor(
    private readonly build: () => readonly T[],
    private readonly maxAgeMs: number,
    private readonly minCachedLength: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The list, built now or at most `maxAgeMs` ago, and when it was built. */
  get(): Snapshot<T> {
    const now = this.now();
    if (this.#list !== undefined && now - this.#builtAt < this.maxAgeMs) {
      return { list: this.#list, builtAt: this.#builtAt };
    }
    const list = this.build();
    this.#list = list.length > this.minCachedLength && this.maxAgeMs > 0 ? list : undefined;
    this.#builtAt = now;
    return { list, builtAt: now };
  }
}

/** A list and the time (`Date.now()`) it was built. */
export interface Snapshot<T> {
  readonly list: readonly T[];
  readonly builtAt: number;
}

/** One page of a list, as the admin API answers it. */
export interface Page<T> {
  readonly items: readonly T[];
  /** When the list was built (ISO 8601): pages of one snapshot share it. */
  readonly snapshotAt: string;
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
  /** Where the next page starts, or null after the last. */
  readonly nextOffset: number | null;
}

/** Cuts a snapshot's list to the page `offset`..`offset + limit`. */
export function pageOf<T>(snapshot: Snapshot<T>, offset: number, limit: number): Page<T> {
  const { list } = snapshot;
  const items = list.slice(offset, offset + limit);
  const next = offset + items.length;
  return {
    items,
    snapshotAt: new Date(snapshot.builtAt).toISOString(),
    total: list.length,
    offset,
    limit,
    nextOffset: next < list.length ? next : null,
  };
}
