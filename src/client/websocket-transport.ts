import { RoomwireError } from './errors.js';
import type { LineTransport, TransportFactory, TransportListener } from './transport.js';

/** The part of the WHATWG `WebSocket` the client uses; browsers' and `ws`'s both fit. */
export interface WebSocketLike {
  binaryType: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A `WebSocket` constructor: the global one in browsers, or `ws`'s `WebSocket` in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Options of {@link webSocketTransport}. */
export interface WebSocketTransportOptions {
  /** `ws://host:8080/ws` or `wss://...`. */
  readonly url: string;
  /** Defaults to `globalThis.WebSocket`. */
  readonly WebSocket?: WebSocketConstructor;
}

/** The server closed because a message was over its line limit (`ws` refuses it unread). */
const MESSAGE_TOO_BIG = 1009;

/** Lines as WebSocket messages (one line per message) to the server's `/ws` endpoint. */
export function webSocketTransport(options: WebSocketTransportOptions): TransportFactory {
  const WebSocketClass =
    options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (WebSocketClass === undefined) {
    throw new TypeError('no global WebSocket here: pass one, e.g. { WebSocket } from "ws"');
  }
  return () => new BrowserWebSocketTransport(options.url, WebSocketClass);
}

class BrowserWebSocketTransport implements LineTransport {
  #socket: WebSocketLike | undefined;

  constructor(
    private readonly url: string,
    private readonly WebSocketClass: WebSocketConstructor,
  ) {}

  open(listener: TransportListener): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new this.WebSocketClass(this.url);
      this.#socket = socket;
      socket.binaryType = 'arraybuffer';
      let opened = false;
      socket.onopen = () => {
        opened = true;
        resolve();
      };
      socket.onmessage = (event) => {
        // The server sends text messages only, one line each.
        const text = typeof event.data === 'string' ? event.data : '';
        listener.line(text.endsWith('\n') ? text.slice(0, -1) : text);
      };
      // Browsers tell nothing about why a WebSocket failed; the close code says a little.
      socket.onerror = () => {};
      socket.onclose = (event) => {
        if (!opened) return reject(new Error(`WebSocket to ${this.url} failed (${event.code})`));
        listener.closed(closeError(event.code, event.reason));
      };
    });
  }

  send(line: string): void {
    this.#socket?.send(line);
  }

  close(): void {
    this.#socket?.close(1000);
  }
}

function closeError(code: number, reason: string): Error | undefined {
  if (code === 1000) return undefined;
  if (code === MESSAGE_TOO_BIG) {
    return new RoomwireError('line_too_long', 'line_too_long: a message was over the limit');
  }
  return new Error(`WebSocket closed (${code}${reason === '' ? '' : ` ${reason}`})`);
}
