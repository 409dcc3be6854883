import type { ConnId, TransportKind } from '../core/types.js';
import type { CloseReason, Connection, ConnectionHandlers } from './connection.js';
import { newConnectionStats } from './connection.js';
import type { Batched, WriteBatcher } from './write-batcher.js';
import { WriteWatch } from './write-watch.js';

/** What a batched connection needs from its transport's options. */
export interface BatchedConnectionOptions {
  readonly closeFlushMs: number;
  readonly handlers: ConnectionHandlers;
}

/** The stream a connection corks for one event-loop turn: a TCP socket, or the one under a WebSocket. */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * What TCP and WebSocket connections share: the writes of one event-loop turn held by cork and
 * flushed together by the {@link WriteBatcher}, and the close sequence (flush, then cut after
 * `closeFlushMs`; the server told exactly once, never from inside a write).
 */
export abstract class BatchedConnection implements Connection, Batched {
  abstract readonly connId: ConnId;
  abstract readonly transport: TransportKind;
  abstract readonly remoteIp: string;
  abstract readonly remoteAddress: string;
  abstract readonly queuedBytes: number;
  readonly stats = newConnectionStats();
  readonly watch = new WriteWatch();
  closing = false;
  closeReason: CloseReason | undefined;
  /** Bytes written this turn, held by cork until the batcher flushes; -1 when not corked. */
  protected turnBytes = -1;
  #flushTimer: NodeJS.Timeout | undefined;
  #reported = false;

  protected constructor(
    private readonly corkable: Corkable,
    private readonly batcher: WriteBatcher,
    private readonly lifecycle: BatchedConnectionOptions,
  ) {}

  abstract write(data: Buffer): void;

  /** Sends what is queued, then ends the connection politely (FIN, close frame). */
  protected abstract startClose(reason: CloseReason): void;

  /** Cuts the connection at once, when the flush took too long. */
  protected abstract cut(): void;

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
    this.#flushTimer = setTimeout(() => this.cut(), this.lifecycle.closeFlushMs);
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
