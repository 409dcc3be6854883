import dgram from 'node:dgram';
import net from 'node:net';
import { LineDecoder } from '../protocol/line-decoder.js';
import type {
  DatagramChannel,
  LineTransport,
  TransportFactory,
  TransportListener,
} from './transport.js';

/** Options of {@link tcpTransport}. */
export interface TcpTransportOptions {
  readonly host?: string;
  /** The server's TCP port; its UDP port has the same number (protocol section 6). */
  readonly port?: number;
  /** The longest server line accepted; a longer one closes the connection. */
  readonly maxLineLength?: number;
  readonly connectTimeoutMs?: number;
}

/** TCP lines (and UDP datagrams) to a Roomwire server, for the client in Node. */
export function tcpTransport(options: TcpTransportOptions = {}): TransportFactory {
  return () => new NodeTcpTransport(options);
}

class NodeTcpTransport implements LineTransport {
  readonly datagrams: DatagramChannel;
  #socket: net.Socket | undefined;

  constructor(private readonly options: TcpTransportOptions) {
    // UDP goes to the address TCP connected to, so both come from one IP, as binding needs.
    this.datagrams = new UdpChannel(() => this.#socket, options.port ?? 5000);
  }

  open(listener: TransportListener): Promise<void> {
    const { host = '127.0.0.1', port = 5000, connectTimeoutMs = 10_000 } = this.options;
    const decoder = new LineDecoder(this.options.maxLineLength ?? 64 * 1024 * 1024);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, noDelay: true });
      this.#socket = socket;
      let opened = false;
      let failure: Error | undefined;
      socket.setTimeout(connectTimeoutMs, () =>
        socket.destroy(new Error(`no connection to ${host}:${port} in ${connectTimeoutMs} ms`)),
      );
      socket.once('connect', () => {
        opened = true;
        socket.setTimeout(0);
        resolve();
      });
      const onLine = (line: Buffer): void => listener.line(line.toString('utf8'));
      socket.on('data', (chunk: Buffer) => {
        if (!decoder.push(chunk, onLine)) socket.destroy(new Error('server line too long'));
      });
      socket.on('error', (error) => {
        failure = error;
        if (!opened) reject(error);
      });
      socket.on('close', () => {
        if (opened) listener.closed(failure);
      });
    });
  }

  send(line: string): void {
    this.#socket?.write(`${line}\n`);
  }

  close(): void {
    const socket = this.#socket;
    if (socket === undefined || socket.destroyed) return;
    socket.end();
    // A server that never closes its side does not keep the client waiting.
    setTimeout(() => socket.destroy(), 1000).unref();
  }
}

class UdpChannel implements DatagramChannel {
  #socket: dgram.Socket | undefined;

  constructor(
    private readonly tcp: () => net.Socket | undefined,
    private readonly port: number,
  ) {}

  open(onDatagram: (text: string) => void): Promise<void> {
    const tcp = this.tcp();
    const address = tcp?.remoteAddress;
    if (tcp === undefined || address === undefined) {
      return Promise.reject(new Error('UDP needs the TCP connection first'));
    }
    const socket = dgram.createSocket(tcp.remoteFamily === 'IPv6' ? 'udp6' : 'udp4');
    this.#socket = socket;
    socket.on('message', (data) => onDatagram(data.toString('utf8')));
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(this.port, address, () => {
        socket.off('error', reject);
        socket.on('error', () => {}); // ICMP unreachable and the like: datagrams are best-effort
        resolve();
      });
    });
  }

  send(text: string): void {
    this.#socket?.send(text);
  }

  close(): void {
    this.#socket?.close();
    this.#socket = undefined;
  }
}
