import type { Corkable } from './batched-connection.js';

/** What {@link TurnWrites} writes to: a TCP socket. */
export interface TurnSink {
  readonly writable: boolean;
  write(data: Buffer): boolean;
}

/**
 * A TCP socket's lines of one event-loop turn, held here and handed to the socket as one buffer
 * when the turn ends (the {@link Corkable} its connection's batcher flushes). Corking the socket
 * does the same through Node's stream machinery, which keeps a request with a callback for each
 * line until the kernel took it. Measured against corking (docs/benchmarks.md, 2026-12-02,
 * fourth session): CPU per delivery the same in chatter and saturate, RSS per connection 0.70x
 * in saturate, where a turn carries many lines to each peer.
 */
export class TurnWrites implements Corkable {
  readonly #chunks: Buffer[] = [];
  #bytes = 0;

  constructor(private readonly sink: TurnSink) {}

  /** Bytes held for this turn, not yet offered to the socket. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The turn starts; nothing is held yet. */
  cork(): void {}

  write(data: Buffer): void {
    this.#chunks.push(data);
    this.#bytes += data.length;
  }

  /** Hands what this turn held to the socket: the one line as it is, or the lines joined. */
  uncork(): void {
    const chunks = this.#chunks;
    if (chunks.length === 0) return;
    const data = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#bytes);
    chunks.length = 0;
    this.#bytes = 0;
    // A socket that ended or was destroyed in this turn takes nothing more (a write would fail).
    if (this.sink.writable) this.sink.write(data);
  }
}
