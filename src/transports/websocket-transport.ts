import type http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { encodeError } from '../protocol/encode.js';
import { LineDecoder } from '../protocol/line-decoder.js';
import type { ConnId } from '../core/types.js';
import { BatchedConnection } from './batched-connection.js';
import type { CloseReason, ConnectionHandlers } from './connection.js';
import { normalizeIp } from './connection.js';
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
  readonly writeWatch: WriteWatchLimits;
  /** TCP keepalive delay for the upgraded sockets, as for TCP clients; 0 turns it off. */
  readonly keepAliveMs: number;
  readonly nextConnId: () => ConnId;
  readonly handlers: ConnectionHandlers;
  readonly logger: Logger;
}

const NEWLINE = Buffer.from('\n');
/** `ws` sends a Buffer as a binary frame unless told otherwise; every server line is text. */
const TEXT_FRAME = { binary: false } as const;
const NORMAL_CLOSURE = 1000;

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

  /** Closes connections over the slow-consumer soft cap too long, or stalled; call on each tick. */
  sweep(now: number): void {
    const { writeWatch, handlers } = this.#options;
    sweepWrites(this.#open, now, writeWatch, (connection, code) =>
      handlers.violation(connection, code),
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
      connection.alive = true;
      if (connection.closing) return;
      // Text and binary messages alike carry one line: bytes are bytes, as over TCP.
      const message = data as Buffer;
      const newline = message.indexOf(10);
      let fits: boolean;
      if (newline === -1) {
        // The common case, one line without a newline: no copy, only the `\r` rule of TCP.
        const end = message.at(-1) === 13 ? message.length - 1 : message.length;
        fits = end <= options.maxLineLength;
        if (fits) onLine(end === message.length ? message : message.subarray(0, end));
      } else {
        // Several lines in one message are read one by one, exactly as TCP frames them.
        fits = decoder.push(message, onLine);
        if (fits && message.at(-1) !== 10) fits = decoder.push(NEWLINE, onLine);
      }
      if (!fits) return handlers.violation(connection, 'line_too_long');
      // Backpressure: a peer that does not read what we write gets no more of its input read.
      if (socket.writableNeedDrain && !connection.closing && !ws.isPaused) {
        ws.pause();
        socket.once('drain', () => ws.resume());
      }
    });
    ws.on('pong', function wsOnPong() {
      connection.alive = true;
    });
    ws.on('error', function wsOnError(error: Error & { code?: string }) {
      options.logger.debug({ connId: connection.connId, code: error.code }, 'websocket error');
      // `ws` refuses a message over `maxPayload` from its header, before reading it, and has
      // already sent close 1009 (message too big): the refusal is counted like a long TCP line.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' && !connection.closing) {
        return handlers.violation(connection, 'line_too_long');
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

  constructor(
    readonly ws: WebSocket,
    /** The upgraded socket `ws` writes to: corked per turn, like a TCP socket. */
    socket: Duplex,
    private readonly remote: net.Socket,
    batcher: WriteBatcher,
    private readonly options: WebSocketTransportOptions,
  ) {
    super(socket, batcher, options);
    this.connId = options.nextConnId();
    this.remoteIp = normalizeIp(remote.remoteAddress);
    this.remoteAddress = `${this.remoteIp}:${remote.remotePort ?? 0}`;
  }

  get queuedBytes(): number {
    return this.ws.bufferedAmount;
  }

  /** What the kernel took from the upgraded socket (`bytesWritten` counts the queue too). */
  get delivered(): number {
    return this.remote.bytesWritten - this.remote.writableLength;
  }

  /** Sends one line (as the core encodes it, newline-terminated) as one text message. */
  write(data: Buffer): void {
    if (this.closing) return;
    if (this.turnBytes < 0) this.beginTurn();
    const line = data.at(-1) === 10 ? data.subarray(0, data.length - 1) : data;
    const queued = this.ws.bufferedAmount;
    // The same cap as TCP: what the peer has not taken from earlier turns, plus this line.
    if (queued - this.turnBytes + line.length > this.options.maxQueuedBytes) {
      const goodbye = encodeError('slow_consumer');
      this.ws.send(goodbye.subarray(0, goodbye.length - 1), TEXT_FRAME);
      this.close('slow_consumer');
      return;
    }
    this.ws.send(line, TEXT_FRAME);
    this.turnBytes += this.ws.bufferedAmount - queued;
    this.stats.linesOut += 1;
    this.stats.bytesOut += line.length;
  }

  /** Sends the close frame (normal closure, the reason as its text) after what is queued. */
  protected startClose(reason: CloseReason): void {
    this.ws.close(NORMAL_CLOSURE, reason);
  }

  protected cut(): void {
    this.ws.terminate();
  }
}
