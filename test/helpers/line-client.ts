import net from 'node:net';

/** A raw TCP client that reads the server's lines, for integration tests. */
export class LineClient {
  readonly socket: net.Socket;
  readonly lines: string[] = [];
  #buffered = '';
  #waiters: (() => void)[] = [];
  #closed = false;
  #read = 0;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffered += chunk;
      let newline = this.#buffered.indexOf('\n');
      while (newline !== -1) {
        this.lines.push(this.#buffered.slice(0, newline));
        this.#buffered = this.#buffered.slice(newline + 1);
        newline = this.#buffered.indexOf('\n');
      }
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  /** Connects to 127.0.0.1:port, from `localAddress` if given (e.g. 127.0.0.2 on Linux). */
  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const options = { port, host, ...(localAddress === undefined ? {} : { localAddress }) };
      const socket = net.connect(options, () => resolve(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Connects and logs in; resolves with the client id. */
  static async login(
    port: number,
    username = 'player',
  ): Promise<{ client: LineClient; id: number }> {
    const client = await LineClient.connect(port);
    client.send(`0:${username}:pw`);
    const line = await client.next();
    const match = /^0:(\d+)/.exec(line);
    if (!match) throw new Error(`login answered ${line}`);
    return { client, id: Number(match[1]) };
  }

  /** Joins `room` and reads the join sequence up to its master line; resolves with those lines. */
  async joinRoom(room: string): Promise<string[]> {
    this.send(`2:${room}`);
    const lines = [await this.next()];
    while (!(lines.at(-1) as string).startsWith('4:')) lines.push(await this.next());
    return lines;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one line (a newline is added). */
  send(line: string): void {
    this.socket.write(`${line}\n`);
  }

  /** Writes raw bytes as they are. */
  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /**
   * Writes `data` in pieces of `size` bytes, each handed to the socket alone and after the
   * previous one was flushed, so that the server reads it over many segments.
   */
  async writeInPieces(data: string | Buffer, size = 1): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.socket.setNoDelay(true);
    for (let start = 0; start < bytes.length; start += size) {
      await new Promise<void>((resolve, reject) =>
        this.socket.write(bytes.subarray(start, start + size), (error) =>
          error ? reject(error) : resolve(),
        ),
      );
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Lines received but not read yet. */
  get unread(): readonly string[] {
    return this.lines.slice(this.#read);
  }

  /** The next unread line; rejects after `timeoutMs`. */
  async next(timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.#read >= this.lines.length) {
      if (this.#closed)
        throw new Error(`connection closed; lines so far: ${JSON.stringify(this.lines)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no line within ${timeoutMs} ms; lines so far: ${JSON.stringify(this.lines)}`,
        );
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

  /** Asserts nothing more arrives within `ms`; returns what did arrive. */
  async quiet(ms = 100): Promise<string[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const extra = this.lines.slice(this.#read);
    this.#read = this.lines.length;
    return extra;
  }

  /** Resolves when the server has closed the connection. */
  async waitClosed(timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`still open after ${timeoutMs} ms`);
      await this.#wait(left);
    }
  }

  close(): void {
    this.socket.destroy();
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
