import type { ConnId, TransportKind } from '../core/types.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import type { CloseReason, Connection, ConnectionHandlers } from './connection.js';
import { newConnectionStats } from './connection.js';
import type { Batched, WriteBatcher } from './write-batcher.js';
import { ReadWatch, type ReadProgress } from './read-watch.js';
import { WriteWatch } from './write-watch.js';

/** What a batched connection needs from its transport's options. */
export interface BatchedConnectionOptions {
  readonly closeFlushMs: number;
  readonly maxQueuedBytes: number;
  readonly handlers: ConnectionHandlers;
}

/**
 * What holds a connection's writes for one event-loop turn: a TCP connection's own
 * `TurnWrites`, or the stream under a WebSocket, corked.
 */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * What TCP and WebSocket connections share: the writes of one event-loop turn held (see
 * {@link Corkable}) and flushed together by the {@link WriteBatcher}, and the close sequence (flush, then cut after
 * `closeFlushMs`; the server told exactly once, never from inside a write).
 *
 * Past the slow-consumer cap the connection stops writing and reports `slow_consumer` to the
 * server like any other violation; the server's refusal line is the one write let through
 * after that. A slow consumer whose queue (and refusal line) has not gone out by the flush
 * deadline is reset, not cut (issue #15, item 15): the kernel drops what it holds for a peer
 * that does not read, and the peer learns at once, instead of a FIN-WAIT-1 that lasts minutes.
 * A peer that reads again within `closeFlushMs` still gets its `9:slow_consumer` line.
 */
export abstract class BatchedConnection implements Connection, Batched {
  abstract readonly connId: ConnId;
  abstract readonly transport: TransportKind;
  abstract readonly remoteIp: string;
  abstract readonly remoteAddress: string;
  abstract readonly queuedBytes: number;
  readonly stats = newConnectionStats();
  readonly watch = new WriteWatch();
  readonly readWatch = new ReadWatch();
  closing = false;
  closeReason: CloseReason | undefined;
  /**
   * -1 outside a turn; from the turn's first write, the bytes it put into a corked stream (a
   * WebSocket counts them; a TCP connection's `TurnWrites` keeps its own count).
   */
  protected turnBytes = -1;
  #flushTimer: NodeJS.Timeout | undefined;
  #reported = false;
  /** Over the slow-consumer cap: nothing more is written but the server's refusal. */
  #overCap = false;
  #refusing = false;

  protected constructor(
    private readonly corkable: Corkable,
    private readonly batcher: WriteBatcher,
    private readonly lifecycle: BatchedConnectionOptions,
  ) {}

  /** Bytes the kernel has taken so far. */
  abstract readonly delivered: number;

  /** Where the peer is in sending its current line, for the partial-line timeout. */
  abstract readonly readProgress: ReadProgress;

  /** Hands one line (newline-terminated, as encoded) to the socket and counts its bytes. */
  protected abstract send(data: Buffer): void;

  /** What the peer has not taken from earlier turns, plus what this line would add. */
  protected abstract queuedWith(data: Buffer): number;

  /** Sends what is queued, then ends the connection politely (FIN, close frame). */
  protected abstract startClose(reason: CloseReason): void;

  /** Cuts the connection at once, when the flush took too long. */
  protected abstract cut(): void;

  /** Cuts the connection with a TCP reset: the kernel drops what is queued and tells the peer. */
  protected abstract reset(): void;

  write(data: Buffer): void {
    if (this.closing || (this.#overCap && !this.#refusing)) return;
    if (this.turnBytes < 0) this.beginTurn();
    // The slow-consumer cap counts what the peer has not taken from earlier turns, plus this
    // line: bytes still corked in this turn were never offered to it. Past the cap the client
    // is dropped at once, so it cannot hold memory or slow the others (issue #2 limits).
    if (!this.#refusing && this.queuedWith(data) > this.lifecycle.maxQueuedBytes) {
      this.#overCap = true;
      // Reported after the fan-out that is writing, never from inside it.
      queueMicrotask(() => this.reportViolation('slow_consumer'));
      return;
    }
    this.stats.linesOut += 1;
    this.send(data);
  }

  /**
   * Tells the server that the peer broke a limit; the server answers with its refusal line
   * (written even past the cap) and closes. Closes anyway if the server did not.
   */
  reportViolation(code: ErrorCode): void {
    if (this.closing) return;
    this.#refusing = true;
    try {
      this.lifecycle.handlers.violation(this, code);
    } finally {
      this.#refusing = false;
    }
    this.close(code);
  }

  /** Corks on the first write of a turn and asks the batcher for a flush at its end. */
  protected beginTurn(): void {
    this.corkable.cork();
    this.turnBytes = 0;
    this.batcher.add(this);
  }

  flush(): void {
    this.turnBytes = -1;
    this.corkable.uncork();
  }

  close(reason: CloseReason): void {
    if (this.closing) return;
    this.closing = true;
    this.closeReason ??= reason;
    this.startClose(reason);
    const cut = reason === 'slow_consumer' ? () => this.reset() : () => this.cut();
    this.#flushTimer = setTimeout(cut, this.lifecycle.closeFlushMs);
    this.#flushTimer.unref();
    // The room learns of the departure now, not when the last byte is flushed; never from
    // inside the write that decided it (that may be the core's own fan-out).
    queueMicrotask(() => this.reportClosed());
  }

  /** Tells the server once that this connection is gone, whichever way it went. */
  reportClosed(): void {
    if (this.#reported) return;
    this.#reported = true;
    this.closing = true;
    this.lifecycle.handlers.closed(this, this.closeReason ?? 'peer_closed');
  }

  /** The socket is gone: no cut is due any more. */
  destroyed(): void {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.reportClosed();
  }
}
