import type { ClientId } from '../core/types.js';

/**
 * How many bytes each client may put on the backplane per second: a token bucket per sender
 * (`bytesPerSecond`, holding up to `burstBytes`). It keeps one client from pushing more into
 * Redis than every node's subscriber connection can take, which would make Redis close those
 * connections for overrunning their pub/sub output buffer and detach every member of every
 * room on those nodes (docs/cluster.md, failure modes). Time comes in as an argument.
 */
export class SenderBudget {
  readonly #buckets = new Map<ClientId, { tokens: number; at: number }>();

  constructor(
    private readonly bytesPerSecond: number,
    private readonly burstBytes: number,
  ) {}

  /** Takes `bytes` from the sender's bucket at time `nowMs`; false when it has too few. */
  take(sender: ClientId, bytes: number, nowMs: number): boolean {
    let bucket = this.#buckets.get(sender);
    if (bucket === undefined) {
      bucket = { tokens: this.burstBytes, at: nowMs };
      this.#buckets.set(sender, bucket);
    } else {
      const refill = ((nowMs - bucket.at) * this.bytesPerSecond) / 1000;
      bucket.tokens = Math.min(this.burstBytes, bucket.tokens + refill);
      bucket.at = nowMs;
    }
    if (bucket.tokens < bytes) return false;
    bucket.tokens -= bytes;
    return true;
  }

  /** Forgets the senders whose buckets have filled up again (they cost nothing to recreate). */
  sweep(nowMs: number): void {
    const fullAfterMs = (this.burstBytes / this.bytesPerSecond) * 1000;
    for (const [sender, bucket] of this.#buckets) {
      if (nowMs - bucket.at >= fullAfterMs) this.#buckets.delete(sender);
    }
  }

  /** Senders currently tracked. */
  size(): number {
    return this.#buckets.size;
  }
}
