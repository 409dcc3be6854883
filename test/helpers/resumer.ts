/** A client that resumes its session (protocol §10), for integration and cluster tests. */
import assert from 'node:assert/strict';
import { LineClient } from './line-client.js';

/** A login reply with a resume token. */
export const LOGIN = /^0:(\d+):([\w-]{32})$/;

/**
 * A client that resumes (protocol §10): it counts the lines it received after its login reply,
 * and after a cut takes its session over on a new connection, collecting one stream across all
 * of its connections.
 */
export class Resumer {
  /** Every line after the login reply, across connections, without the resume answers. */
  readonly stream: string[] = [];
  #client: LineClient;
  #offset = 1;

  private constructor(
    readonly port: number,
    readonly id: number,
    readonly token: string,
    client: LineClient,
  ) {
    this.#client = client;
  }

  static async login(port: number, name: string): Promise<Resumer> {
    const client = await LineClient.connect(port);
    client.send(`0:${name}:pw`);
    const match = LOGIN.exec(await client.next());
    assert.ok(match, 'the login reply carries a token');
    return new Resumer(port, Number(match[1]), match[2] as string, client);
  }

  get client(): LineClient {
    return this.#client;
  }

  /** Takes in what the current connection has received so far. */
  #collect(): void {
    const lines = this.#client.lines;
    this.stream.push(...lines.slice(this.#offset));
    this.#offset = lines.length;
  }

  /** Breaks the connection with a reset, as a failing network does. */
  cut(): void {
    this.#collect();
    this.#client.cut();
  }

  /**
   * Resumes on a new connection, to `port` (another node of a cluster) or the port it logged in
   * on; resolves with the number of lines replayed.
   */
  async resume(port = this.port): Promise<number> {
    this.#collect();
    const client = await LineClient.connect(port);
    client.send(`6:${this.id}:${this.token}:${this.stream.length}`);
    const answer = await client.next(5000);
    const match = /^6:(\d+):(\d+)$/.exec(answer);
    assert.ok(match, `resume answered ${answer}`);
    assert.equal(Number(match[1]), this.id);
    this.#client = client;
    this.#offset = 1;
    return Number(match[2]);
  }

  /** Everything received so far, across connections. */
  received(): string[] {
    this.#collect();
    return [...this.stream];
  }
}

/**
 * Sends `total` lines of mixed traffic from `sender` (messages in all four modes, and group
 * messages to group `g`), calling `cut` at four random points, chosen with `next`; with
 * `pauseMs`, waits that long after every ten lines, so that the traffic goes on for a while.
 */
export async function mixedTraffic(
  sender: LineClient,
  next: () => number,
  total: number,
  cut: () => Promise<void>,
  pauseMs = 0,
): Promise<void> {
  const cuts = new Set(Array.from({ length: 4 }, () => 20 + Math.floor(next() * (total - 40))));
  for (let index = 0; index < total; index += 1) {
    const roll = next();
    const line =
      roll < 0.6
        ? `3:${Math.floor(next() * 4)}:m${index}:${'x'.repeat(Math.floor(next() * 200))}`
        : `4:g:g${index}`;
    sender.send(line);
    if (cuts.has(index)) await cut();
    if (pauseMs > 0 && index % 10 === 0) {
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    } else if (index % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}
