import dgram from 'node:dgram';

/** A UDP client bound to an ephemeral loopback port, for integration tests. */
export class UdpClient {
  readonly socket: dgram.Socket;
  readonly received: string[] = [];
  #waiters: (() => void)[] = [];
  #read = 0;

  private constructor(
    socket: dgram.Socket,
    readonly serverPort: number,
  ) {
    this.socket = socket;
    socket.on('message', (data) => {
      this.received.push(data.toString('utf8'));
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    });
  }

  static open(serverPort: number, bindIp = '127.0.0.1'): Promise<UdpClient> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket('udp4');
      socket.once('error', reject);
      socket.bind(0, bindIp, () => resolve(new UdpClient(socket, serverPort)));
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(text: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(text, this.serverPort, '127.0.0.1', (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  }

  /** Sends `datagram` every 50 ms until an answer arrives, as clients retry a bind. */
  async sendUntilAnswered(datagram: string, timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await this.send(datagram);
      const answer = await this.next(50).catch(() => undefined);
      if (answer !== undefined) return answer;
    }
    throw new Error(`no answer to ${datagram} within ${timeoutMs} ms`);
  }

  /** The next unread datagram as text; rejects after `timeoutMs`. */
  async next(timeoutMs = 1000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.#read >= this.received.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no datagram within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received[this.#read++] as string;
  }

  /** What arrived (unread) within `ms`. */
  async quiet(ms = 100): Promise<string[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const extra = this.received.slice(this.#read);
    this.#read = this.received.length;
    return extra;
  }

  close(): void {
    this.socket.close();
  }
}
