import net from 'node:net';
import type { Logger } from 'pino';
import { LineDecoder } from '../protocol/line-decoder.js';
import type { ConnId } from '../core/types.js';
import { BatchedConnection } from './batched-connection.js';
import type { ConnectionHandlers } from './connection.js';
import { normalizeIp } from './connection.js';
import { sweepReads, type ReadProgress } from './read-watch.js';
import { TurnWrites } from './turn-writes.js';
import { WriteBatcher } from './write-batcher.js';
import { sweepWrites, type WriteWatchLimits } from './write-watch.js';

/** Options of {@link TcpTransport}. */
export interface TcpTransportOptions {
  readonly host: string;
  readonly port: number;
  readonly maxLineLength: number;
  readonly maxQueuedBytes: number;
  readonly keepAliveMs: number;
  readonly closeFlushMs: number;
  /** How long a started line may stay unfinished before `line_timeout`; 0 turns it off. */
  readonly partialLineTimeoutMs: number;
  readonly writeWatch: WriteWatchLimits;
  readonly nextConnId: () => ConnId;
  readonly handlers: ConnectionHandlers;
  readonly logger: Logger;
}

/** The TCP listener: newline-framed lines in, batched writes out (protocol section 1). */
export class TcpTransport {
  readonly #options: TcpTransportOptions;
  readonly #server: net.Server;
  readonly #batcher = new WriteBatcher();
  readonly #open = new Set<TcpConnection>();

  constructor(options: TcpTransportOptions) {
    this.#options = options;
    this.#server = net.createServer({ noDelay: true }, (socket) => this.#accept(socket));
    this.#server.on('error', (error) => options.logger.error({ err: error }, 'tcp listener error'));
  }

  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off('error', reject);
        resolve((this.#server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Stops accepting; open connections stay until closed. */
  stopAccepting(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  /** Cuts every open connection at once. */
  destroyAll(): void {
    for (const connection of this.#open) connection.socket.destroy();
  }

  get openConnections(): number {
    return this.#open.size;
  }

  /**
   * Closes connections over the slow-consumer soft cap too long, stalled, or sending a line
   * that does not end; call on each tick.
   */
  sweep(now: number): void {
    const { writeWatch, partialLineTimeoutMs } = this.#options;
    sweepWrites(this.#open, now, writeWatch, (connection, code) =>
      connection.reportViolation(code),
    );
    sweepReads(this.#open, now, partialLineTimeoutMs, (connection) =>
      connection.reportViolation('line_timeout'),
    );
  }

  #accept(socket: net.Socket): void {
    const options = this.#options;
    if (options.keepAliveMs > 0) socket.setKeepAlive(true, options.keepAliveMs);
    const held = new TurnWrites(socket);
    const connection = new TcpConnection(
      socket,
      held,
      options.nextConnId(),
      this.#batcher,
      options,
    );
    const { decoder } = connection;
    const { handlers } = options;
    this.#open.add(connection);

    const { stats } = connection;
    const onLine = (line: Buffer): boolean => {
      if (connection.closing) return false;
      stats.linesIn += 1;
      stats.bytesIn += line.length;
      handlers.line(connection, line);
      return !connection.closing;
    };
    socket.on('data', function socketOnData(chunk: Buffer) {
      if (connection.closing) return;
      if (!decoder.push(chunk, onLine)) return connection.reportViolation('line_too_long');
      // Backpressure: a peer that does not read what we write gets no more of its input read.
      if (socket.writableNeedDrain && !connection.closing) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    });
    socket.on('error', function socketOnError(error: NodeJS.ErrnoException) {
      connection.closeReason ??= 'socket_error';
      options.logger.debug({ connId: connection.connId, code: error.code }, 'tcp socket error');
    });
    socket.on('end', function socketOnEnd() {
      connection.closeReason ??= 'peer_closed';
      socket.end();
    });
    socket.on('close', () => {
      this.#open.delete(connection);
      connection.destroyed();
    });
    handlers.opened(connection);
  }
}

class TcpConnection extends BatchedConnection {
  readonly transport = 'tcp' as const;
  readonly remoteIp: string;
  readonly remoteAddress: string;
  readonly decoder: LineDecoder;

  constructor(
    readonly socket: net.Socket,
    /** This turn's lines, handed to the socket as one buffer when the batcher flushes. */
    private readonly held: TurnWrites,
    readonly connId: ConnId,
    batcher: WriteBatcher,
    options: TcpTransportOptions,
  ) {
    super(held, batcher, options);
    this.decoder = new LineDecoder(options.maxLineLength);
    this.remoteIp = normalizeIp(socket.remoteAddress);
    this.remoteAddress = `${this.remoteIp}:${socket.remotePort ?? 0}`;
  }

  get queuedBytes(): number {
    return this.socket.writableLength + this.held.bytes;
  }

  /** `bytesWritten` counts what is still queued too; the kernel took the rest. */
  get delivered(): number {
    return this.socket.bytesWritten - this.socket.writableLength;
  }

  get readProgress(): ReadProgress {
    return {
      unfinished: this.decoder.bufferedBytes > 0,
      completed: this.stats.linesIn,
      paused: this.socket.isPaused(),
    };
  }

  /** The socket's queue holds only earlier turns: this turn's lines are still held. */
  protected queuedWith(data: Buffer): number {
    return this.socket.writableLength + data.length;
  }

  protected send(data: Buffer): void {
    this.stats.bytesOut += data.length;
    this.held.write(data);
  }

  /** What this turn held goes first (the refusal line among it), then the FIN. */
  protected startClose(): void {
    this.held.uncork();
    this.socket.end();
  }

  protected cut(): void {
    this.socket.destroy();
  }

  protected reset(): void {
    if (!this.socket.destroyed) this.socket.resetAndDestroy();
  }
}
