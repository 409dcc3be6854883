/**
 * The Roomwire client for browsers, bundled as `/roomwire-client.js`: WebSocket only, no
 * `node:` imports. `connect()` defaults to the `/ws` endpoint of the page's own server.
 */
import { RoomwireClient, type RoomwireClientOptions } from './roomwire-client.js';
import { webSocketTransport, type WebSocketConstructor } from './websocket-transport.js';

export * from './browser-exports.js';

/** Options of {@link connect}. */
export interface BrowserConnectOptions extends Omit<RoomwireClientOptions, 'transport'> {
  /** Defaults to `ws(s)://<this page's host>/ws`. */
  readonly url?: string;
  readonly WebSocket?: WebSocketConstructor;
}

/** Creates a client and connects it by WebSocket; log in next. */
export async function connect(options: BrowserConnectOptions = {}): Promise<RoomwireClient> {
  const { url = defaultUrl(), WebSocket, ...clientOptions } = options;
  const transport = webSocketTransport({ url, ...(WebSocket === undefined ? {} : { WebSocket }) });
  const client = new RoomwireClient({ ...clientOptions, transport });
  await client.connect();
  return client;
}

/** The `/ws` endpoint of the server that served the page. */
function defaultUrl(): string {
  const location = (globalThis as { location?: { protocol: string; host: string } }).location;
  if (location === undefined) throw new TypeError('no page location here: pass a url');
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}
