import WebSocket from 'ws';

/** Options of {@link WsLineClient.connect}. */
export interface WsConnectOptions {
  /** Sent as the `Origin` header, as a browser would. */
  readonly origin?: string;
  readonly path?: string;
}

/**
 * A WebSocket client that reads the server's lines, one per message, for integration tests.
 * The same surface as {@link LineClient}, so a test can run over either transport.
 */
export class WsLineClient {
  readonly ws: WebSocket;
  readonly lines: string[] = [];
  closeCode: number | undefined;
  closeReason = '';
  #waiters: (() => void)[] = [];
  #closed = false;
  #read = 0;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) throw new Error('the server sent a binary message');
      this.lines.push(data.toString('utf8'));
      this.#wake();
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.#closed = true;
      this.closeCode = code;
      this.closeReason = reason.toString();
      this.#wake();
    });
    ws.on('error', () => {});
  }

  /** Opens `ws://127.0.0.1:<httpPort>/ws`; rejects if the upgrade is refused. */
  static connect(httpPort: number, options: WsConnectOptions = {}): Promise<WsLineClient> {
    const url = `ws://127.0.0.1:${httpPort}${options.path ?? '/ws'}`;
    const ws = new WebSocket(url, options.origin === undefined ? {} : { origin: options.origin });
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
    client.send(`0:${username}:pw`);
    const line = await client.next();
    const match = /^0:(\d+)$/.exec(line);
    if (!match) throw new Error(`login answered ${line}`);
    return { client, id: Number(match[1]) };
  }

  /** Joins `room` and reads the join sequence up to its master line, as {@link LineClient} does. */
  async joinRoom(room: string): Promise<string[]> {
    this.send(`2:${room}`);
    const lines = [await this.next()];
    while (!(lines.at(-1) as string).startsWith('4:')) lines.push(await this.next());
    return lines;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one line as one text message (no newline). */
  send(line: string): void {
    this.ws.send(line);
  }

  /** Sends bytes as one message, text unless `binary`. */
  write(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Lines received but not read yet. */
  get unread(): readonly string[] {
    return this.lines.slice(this.#read);
  }

  /** The next unread line; rejects after `timeoutMs`. */
  async next(timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.#read >= this.lines.length) {
      if (this.#closed) throw new Error(`closed; lines so far: ${JSON.stringify(this.lines)}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `no line within ${timeoutMs} ms; lines so far: ${JSON.stringify(this.lines)}`,
        );
      }
      await this.#wait(left);
    }
    return this.lines[this.#read++] as string;
  }

  /** The next `count` unread lines. */
  async nextLines(count: number, timeoutMs = 2000): Promise<string[]> {
    const out: string[] = [];
    for (let index = 0; index < count; index += 1) out.push(await this.next(timeoutMs));
    return out;
  }

  /** Waits `ms` and returns what arrived unread meanwhile. */
  async quiet(ms = 100): Promise<string[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const extra = this.lines.slice(this.#read);
    this.#read = this.lines.length;
    return extra;
  }

  /** Resolves when the connection has closed. */
  async waitClosed(timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`still open after ${timeoutMs} ms`);
      await this.#wait(left);
    }
  }

  close(): void {
    this.ws.terminate();
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
