import type http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { LineDecoder } from '../protocol/line-decoder.js';
import type { ConnId } from '../core/types.js';
import { BatchedConnection } from './batched-connection.js';
import type { CloseReason, ConnectionHandlers } from './connection.js';
import { normalizeIp } from './connection.js';
import { sweepReads, type ReadProgress } from './read-watch.js';
import { admitUpgrade } from './websocket-upgrade.js';
import { WriteBatcher } from './write-batcher.js';
import { sweepWrites, type WriteWatchLimits } from './write-watch.js';

/** Options of {@link WebSocketTransport}. */
export interface WebSocketTransportOptions {
  /** The HTTP server whose upgrade requests for {@link path} this transport takes. */
  readonly server: http.Server;
  readonly path: string;
  /** Origins (`https://game.example`) whose pages may connect; empty allows every origin. */
  readonly allowedOrigins: readonly string[];
  readonly maxLineLength: number;
  readonly maxQueuedBytes: number;
  /** How often peers are pinged; one that missed the previous pong is cut. 0 turns it off. */
  readonly pingIntervalMs: number;
  readonly closeFlushMs: number;
  /** How long a started message may stay unfinished before `line_timeout`; 0 turns it off. */
  readonly partialLineTimeoutMs: number;
  readonly writeWatch: WriteWatchLimits;
  /** TCP keepalive delay for the upgraded sockets, as for TCP clients; 0 turns it off. */
  readonly keepAliveMs: number;
  readonly nextConnId: () => ConnId;
  readonly handlers: ConnectionHandlers;
  readonly logger: Logger;
}

/** `ws` sends a Buffer as a binary frame unless told otherwise; every server line is text. */
const TEXT_FRAME = { binary: false } as const;
const NORMAL_CLOSURE = 1000;
/**
 * Bounds on what `ws` holds for a message that has not ended (issue #15, item 5): the reads of
 * an unfinished frame, each its own buffer, and the fragments of an unfinished message. A
 * max-size line in 1,400-byte TCP segments is about 750 reads; browsers never fragment.
 */
const MAX_BUFFERED_CHUNKS = 4096;
const MAX_FRAGMENTS = 1024;
/** `ws` errors that mean the peer sent more than a line may be: counted like a long TCP line. */
const OVERSIZE_ERRORS: ReadonlySet<string> = new Set([
  'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
  'WS_ERR_TOO_MANY_BUFFERED_PARTS',
]);

/**
 * The WebSocket endpoint on the HTTP port: one message in is one line (a trailing `\n` is
 * optional), one line out is one text message (protocol section 1, WebSocket).
 */
export class WebSocketTransport {
  readonly #options: WebSocketTransportOptions;
  // Text frames are not checked for UTF-8 here: the core refuses bad lines with `invalid_utf8`
  // and keeps the connection, as over TCP, where `ws` would close with 1007.
  readonly #wss: WebSocketServer;
  readonly #batcher = new WriteBatcher();
  readonly #open = new Set<WsConnection>();
  readonly #pingTimer: NodeJS.Timeout | undefined;

  constructor(options: WebSocketTransportOptions) {
    this.#options = options;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxLineLength + 2,
      maxBufferedChunks: MAX_BUFFERED_CHUNKS,
      maxFragments: MAX_FRAGMENTS,
      skipUTF8Validation: true,
      perMessageDeflate: false,
      clientTracking: false,
    });
    options.server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#upgrade(request, socket, head),
    );
    if (options.pingIntervalMs > 0) {
      this.#pingTimer = setInterval(() => this.#pingAll(), options.pingIntervalMs);
      this.#pingTimer.unref();
    }
  }

  get openConnections(): number {
    return this.#open.size;
  }

  /**
   * Closes connections over the slow-consumer soft cap too long, stalled, or sending a message
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

  /** Cuts every open connection at once. */
  destroyAll(): void {
    for (const connection of this.#open) connection.ws.terminate();
  }

  /** Stops the keepalive pings; connections are closed by the server beforehand. */
  close(): void {
    clearInterval(this.#pingTimer);
    this.#wss.close();
  }

  #upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!admitUpgrade(request, socket, this.#options)) return;
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, request, socket));
  }

  #accept(ws: WebSocket, request: http.IncomingMessage, socket: Duplex): void {
    const options = this.#options;
    const connection = new WsConnection(ws, socket, request.socket, this.#batcher, options);
    if (options.keepAliveMs > 0) request.socket.setKeepAlive(true, options.keepAliveMs);
    const decoder = new LineDecoder(options.maxLineLength);
    const { handlers } = options;
    const { stats } = connection;
    this.#open.add(connection);

    const onLine = (line: Buffer): boolean => {
      if (connection.closing) return false;
      stats.linesIn += 1;
      stats.bytesIn += line.length;
      handlers.line(connection, line);
      return !connection.closing;
    };
    ws.on('message', function wsOnMessage(data: RawData) {
      connection.frameEnded();
      if (connection.closing) return;
      // Text and binary messages alike carry one line: bytes are bytes, as over TCP.
      if (!decoder.pushFinal(data as Buffer, onLine)) {
        return connection.reportViolation('line_too_long');
      }
      // Backpressure: a peer that does not read what we write gets no more of its input read.
      if (socket.writableNeedDrain && !connection.closing && !ws.isPaused) {
        ws.pause();
        socket.once('drain', () => ws.resume());
      }
    });
    ws.on('ping', () => connection.frameEnded());
    ws.on('pong', function wsOnPong() {
      connection.frameEnded();
    });
    ws.on('error', function wsOnError(error: Error & { code?: string }) {
      options.logger.debug({ connId: connection.connId, code: error.code }, 'websocket error');
      // `ws` refuses a message over `maxPayload` from its header, or in too many pieces, and
      // has already sent its close frame (1009, 1008): counted like a long TCP line.
      if (OVERSIZE_ERRORS.has(error.code ?? '') && !connection.closing) {
        return connection.reportViolation('line_too_long');
      }
      // A frame that breaks the WebSocket protocol is the peer's doing, not a broken network.
      connection.closeReason ??= error.code?.startsWith('WS_ERR_') ? 'malformed' : 'socket_error';
    });
    ws.on('close', (code: number) => {
      // 1006: the connection broke without a closing handshake (protocol §10 lets it resume).
      connection.closeReason ??= code === 1006 ? 'socket_error' : 'peer_closed';
      this.#open.delete(connection);
      connection.destroyed();
    });
    handlers.opened(connection);
  }

  #pingAll(): void {
    for (const connection of this.#open) {
      if (connection.closing) continue;
      if (!connection.alive) {
        this.#options.logger.debug({ connId: connection.connId }, 'websocket missed a pong; cut');
        connection.closeReason ??= 'socket_error';
        connection.ws.terminate();
        continue;
      }
      connection.alive = false;
      connection.ws.ping();
    }
  }
}

class WsConnection extends BatchedConnection {
  readonly transport = 'websocket' as const;
  readonly connId: ConnId;
  readonly remoteIp: string;
  readonly remoteAddress: string;
  /** Set by any message or pong; cleared by each ping. */
  alive = true;
  /** Frames the peer finished (messages, pings, pongs), and the socket's bytes read by then. */
  #framesIn = 0;
  #bytesAtFrame: number;

  constructor(
    readonly ws: WebSocket,
    /** The upgraded socket `ws` writes to: corked per turn, like a TCP socket. */
    socket: Duplex,
    private readonly remote: net.Socket,
    batcher: WriteBatcher,
    options: WebSocketTransportOptions,
  ) {
    super(socket, batcher, options);
    this.connId = options.nextConnId();
    this.remoteIp = normalizeIp(remote.remoteAddress);
    this.remoteAddress = `${this.remoteIp}:${remote.remotePort ?? 0}`;
    this.#bytesAtFrame = remote.bytesRead;
  }

  /** The peer finished a frame: it is alive, and whatever it read so far is accounted for. */
  frameEnded(): void {
    this.alive = true;
    this.#framesIn += 1;
    this.#bytesAtFrame = this.remote.bytesRead;
  }

  /** Bytes read after the last whole frame belong to one that has not ended yet. */
  get readProgress(): ReadProgress {
    return {
      unfinished: this.remote.bytesRead > this.#bytesAtFrame,
      completed: this.#framesIn,
      paused: this.ws.isPaused,
    };
  }

  get queuedBytes(): number {
    return this.ws.bufferedAmount;
  }

  /** What the kernel took from the upgraded socket (`bytesWritten` counts the queue too). */
  get delivered(): number {
    return this.remote.bytesWritten - this.remote.writableLength;
  }

  protected queuedWith(data: Buffer): number {
    return this.ws.bufferedAmount - this.turnBytes + data.length;
  }

  /** Sends one line (as the core encodes it, newline-terminated) as one text message. */
  protected send(data: Buffer): void {
    const line = data.at(-1) === 10 ? data.subarray(0, data.length - 1) : data;
    const queued = this.ws.bufferedAmount;
    this.ws.send(line, TEXT_FRAME);
    this.turnBytes += this.ws.bufferedAmount - queued;
    this.stats.bytesOut += line.length;
  }

  /** Sends the close frame (normal closure, the reason as its text) after what is queued. */
  protected startClose(reason: CloseReason): void {
    this.ws.close(NORMAL_CLOSURE, reason);
  }

  protected cut(): void {
    this.ws.terminate();
  }

  protected reset(): void {
    if (!this.remote.destroyed) this.remote.resetAndDestroy();
  }
}
