import net from 'node:net';
import { LineInbox } from './line-inbox.js';

/** A raw TCP client that reads the server's lines, for integration tests. */
export class LineClient extends LineInbox {
  readonly socket: net.Socket;
  #buffered = '';

  private constructor(socket: net.Socket) {
    super();
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffered += chunk;
      let newline = this.#buffered.indexOf('\n');
      while (newline !== -1) {
        this.received(this.#buffered.slice(0, newline));
        this.#buffered = this.#buffered.slice(newline + 1);
        newline = this.#buffered.indexOf('\n');
      }
    });
    socket.on('close', () => this.ended());
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
    return { client, id: await client.logIn(username) };
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

  /**
   * Closes as a client that means to leave: a FIN, so the server ends the session at once. The
   * socket is destroyed a second later if the server does not close its side.
   */
  close(): void {
    // Nothing more is read: the client is gone as far as the test is concerned.
    this.socket.removeAllListeners('data');
    this.socket.resume();
    this.socket.end();
    this.ended();
    setTimeout(() => this.socket.destroy(), 5000).unref();
  }

  /** Breaks the connection as a network failure would: a reset (protocol §10 keeps the session). */
  cut(): void {
    this.socket.resetAndDestroy();
  }
}
