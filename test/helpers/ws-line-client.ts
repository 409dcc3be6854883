import WebSocket from 'ws';
import { LineInbox } from './line-inbox.js';

/** Options of {@link WsLineClient.connect}. */
export interface WsConnectOptions {
  /** Sent as the `Origin` header, as a browser would. */
  readonly origin?: string;
  readonly path?: string;
  /** The whole URL instead (a `wss://` proxy in front, say); its certificate is not checked. */
  readonly url?: string;
}

/**
 * A WebSocket client that reads the server's lines, one per message, for integration tests.
 * The same surface as {@link LineClient}, so a test can run over either transport.
 */
export class WsLineClient extends LineInbox {
  readonly ws: WebSocket;
  closeCode: number | undefined;
  closeReason = '';

  private constructor(ws: WebSocket) {
    super();
    this.ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) throw new Error('the server sent a binary message');
      this.received(data.toString('utf8'));
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      this.ended();
    });
    ws.on('error', () => {});
  }

  /** Opens `ws://127.0.0.1:<httpPort>/ws`; rejects if the upgrade is refused. */
  static connect(httpPort: number, options: WsConnectOptions = {}): Promise<WsLineClient> {
    const url = options.url ?? `ws://127.0.0.1:${httpPort}${options.path ?? '/ws'}`;
    const ws = new WebSocket(url, {
      ...(options.origin === undefined ? {} : { origin: options.origin }),
      ...(url.startsWith('wss:') ? { rejectUnauthorized: false } : {}),
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WsLineClient(ws)));
      ws.once('unexpected-response', (_request, response) => {
        reject(new Error(`upgrade refused: ${response.statusCode}`));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  /** Connects and logs in; resolves with the client id. */
  static async login(
    httpPort: number,
    username = 'player',
  ): Promise<{ client: WsLineClient; id: number }> {
    const client = await WsLineClient.connect(httpPort);
    return { client, id: await client.logIn(username) };
  }

  /** Sends one line as one text message (no newline). */
  send(line: string): void {
    this.ws.send(line);
  }

  /** Sends bytes as one message, text unless `binary`. */
  write(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Closes with the closing handshake, as a client that means to leave. */
  close(): void {
    this.ws.close(1000);
    setTimeout(() => this.ws.terminate(), 5000).unref();
  }

  /** Breaks the connection without a closing handshake (1006; protocol §10 keeps the session). */
  cut(): void {
    this.ws.terminate();
  }
}
