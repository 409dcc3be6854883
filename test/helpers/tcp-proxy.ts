import net from 'node:net';

/**
 * What a {@link TcpProxy} does with traffic: pass it on, stop reading both ways (a stalled
 * peer: the kernel buffers fill and writers block), read and discard everything without ever
 * closing (a half-open or silent peer: the other side sees a live socket that never answers),
 * or reset every new connection at once (a network that is down: open ones are left alone).
 */
export type ProxyMode = 'forward' | 'pause' | 'blackhole' | 'refuse';

interface Pair {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
}

/** A loopback TCP proxy in front of a server, for simulating stalled and dead peers. */
export class TcpProxy {
  #mode: ProxyMode = 'forward';
  readonly #pairs = new Set<Pair>();

  private constructor(
    readonly server: net.Server,
    readonly port: number,
  ) {}

  /** Listens on an ephemeral loopback port and forwards to `targetPort`. */
  static async start(targetPort: number): Promise<TcpProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => proxy.#accept(client, targetPort));
    return proxy;
  }

  get mode(): ProxyMode {
    return this.#mode;
  }

  /** Switches every connection, open and future, to `mode`. */
  setMode(mode: ProxyMode): void {
    this.#mode = mode;
    for (const pair of this.#pairs) this.#apply(pair);
  }

  /** Whether the proxy still holds the server-side socket of a connection. */
  get openUpstreams(): number {
    let open = 0;
    for (const pair of this.#pairs) if (!pair.upstream.destroyed) open += 1;
    return open;
  }

  /**
   * Breaks every open connection as a failing network does: a reset on both sides, so the
   * server sees a socket error and the client a lost connection (protocol §10). Keeps listening.
   */
  resetAll(): void {
    for (const { client, upstream } of this.#pairs) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.#pairs.clear();
  }

  /** Destroys every connection and stops listening. */
  close(): Promise<void> {
    for (const { client, upstream } of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  #accept(client: net.Socket, targetPort: number): void {
    if (this.#mode === 'refuse') {
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ port: targetPort, host: '127.0.0.1' });
    const pair: Pair = { client, upstream };
    this.#pairs.add(pair);
    const relay = (from: net.Socket, to: net.Socket): void => {
      from.on('data', (chunk: Buffer) => {
        if (this.#mode === 'forward') to.write(chunk);
      });
      from.on('end', () => {
        if (this.#mode === 'forward') to.end();
      });
      from.on('close', () => {
        if (this.#mode === 'forward') to.destroy();
      });
      from.on('error', () => {});
    };
    relay(client, upstream);
    relay(upstream, client);
    this.#apply(pair);
  }

  #apply({ client, upstream }: Pair): void {
    for (const socket of [client, upstream]) {
      if (this.#mode === 'pause') socket.pause();
      else socket.resume();
    }
  }
}
