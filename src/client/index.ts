/**
 * The Roomwire client for Node (`roomwire/client`): TCP with UDP, or WebSocket. Browsers load
 * `browser.ts` instead (bundled as `/roomwire-client.js`), which has no `node:` imports.
 */
import { RoomwireClient, type RoomwireClientOptions } from './roomwire-client.js';
import { tcpTransport, type TcpTransportOptions } from './tcp-transport.js';
import { webSocketTransport, type WebSocketConstructor } from './websocket-transport.js';

export * from './browser-exports.js';
export { tcpTransport, type TcpTransportOptions } from './tcp-transport.js';

/** Options of {@link connect}: TCP by `host` and `port`, or WebSocket by `url`. */
export interface ConnectOptions
  extends Omit<RoomwireClientOptions, 'transport'>, Omit<TcpTransportOptions, 'host' | 'port'> {
  readonly host?: string;
  readonly port?: number;
  /** A WebSocket URL (`ws://host:8080/ws`): connects by WebSocket instead of TCP. */
  readonly url?: string;
  /** The WebSocket class for `url` where there is no global one (Node 20: `ws`'s). */
  readonly WebSocket?: WebSocketConstructor;
}

/** Creates a client and connects it; log in next. */
export async function connect(options: ConnectOptions = {}): Promise<RoomwireClient> {
  const { host, port, url, WebSocket, maxLineLength, connectTimeoutMs, ...clientOptions } = options;
  const transport =
    url === undefined
      ? tcpTransport({ host, port, maxLineLength, connectTimeoutMs })
      : webSocketTransport({ url, ...(WebSocket === undefined ? {} : { WebSocket }) });
  const client = new RoomwireClient({ ...clientOptions, transport });
  await client.connect();
  return client;
}
