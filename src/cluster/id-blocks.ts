import type { ClientIdGenerator } from '../core/types.js';

/**
 * Client ids unique across the cluster (protocol section 1): blocks of consecutive ids taken
 * from a shared counter (`INCRBY`), handed out synchronously to the core. The next block is
 * fetched when half of the current one is used, so logins never wait; when both are used up
 * and the counter cannot be reached, `next()` returns -1 and the core refuses the login, rather
 * than ever reusing an id.
 */
export class IdBlocks implements ClientIdGenerator {
  #next = 0;
  #end = 0;
  #spare: { first: number; end: number } | undefined;
  #fetching = false;

  /** `take(size)` reserves `size` ids and resolves to the last of them. */
  constructor(
    private readonly size: number,
    private readonly take: (size: number) => Promise<number>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Fetches the first block; the node does not start without one. */
  async start(): Promise<void> {
    const last = await this.take(this.size);
    this.#next = last - this.size + 1;
    this.#end = last + 1;
  }

  /** Ids left before the node has to refuse logins. */
  available(): number {
    return (
      this.#end - this.#next + (this.#spare === undefined ? 0 : this.#spare.end - this.#spare.first)
    );
  }

  /** The highest id reserved by this node (0 before the first block). */
  highest(): number {
    return Math.max(this.#end, this.#spare?.end ?? 0) - 1;
  }

  next(): number {
    if (this.#next >= this.#end && this.#spare !== undefined) {
      this.#next = this.#spare.first;
      this.#end = this.#spare.end;
      this.#spare = undefined;
    }
    if (this.#next >= this.#end) {
      this.refill();
      return -1;
    }
    const id = this.#next;
    this.#next += 1;
    if (this.#end - this.#next <= this.size / 2) this.refill();
    return id;
  }

  /** Fetches a spare block unless one is there or on its way. */
  refill(): void {
    if (this.#spare !== undefined || this.#fetching) return;
    this.#fetching = true;
    this.take(this.size).then(
      (last) => {
        this.#fetching = false;
        this.#spare = { first: last - this.size + 1, end: last + 1 };
      },
      (error: unknown) => {
        this.#fetching = false;
        this.onError(error);
      },
    );
  }
}
