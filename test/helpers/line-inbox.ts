/**
 * What the test clients of every transport share: the lines a client received, read in order
 * with timeouts, and the login and join sequences. A subclass feeds it with {@link received}
 * and {@link ended}, and says how a line is sent.
 */
export abstract class LineInbox {
  readonly lines: string[] = [];
  #waiters: (() => void)[] = [];
  #closed = false;
  #read = 0;

  /** Sends one protocol line, given without its newline. */
  abstract send(line: string): void;

  /** Logs in; resolves with the client id. */
  async logIn(username: string): Promise<number> {
    this.send(`0:${username}:pw`);
    const line = await this.next();
    const match = /^0:(\d+)(?::[\w-]+)?$/.exec(line);
    if (!match) throw new Error(`login answered ${line}`);
    return Number(match[1]);
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

  /** Lines received but not read yet. */
  get unread(): readonly string[] {
    return this.lines.slice(this.#read);
  }

  /** The next unread line; rejects after `timeoutMs`, or at once when the connection closed. */
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

  /** Waits `ms` and returns what arrived unread meanwhile (marking it read). */
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

  /** A subclass hands over each complete line it received. */
  protected received(line: string): void {
    this.lines.push(line);
    this.#wake();
  }

  /** A subclass reports that the connection closed. */
  protected ended(): void {
    this.#closed = true;
    this.#wake();
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
