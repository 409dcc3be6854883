/**
 * What the client needs from a wire, whatever it is (after nats.js core/src/transport.ts): a
 * line transport (TCP, WebSocket) and, where there is one, a datagram channel (UDP).
 */

/** What a transport reports to the client. */
export interface TransportListener {
  /** One server line, without its newline. */
  line(line: string): void;
  /** The connection ended; `error` when it was not closed by {@link LineTransport.close}. */
  closed(error?: Error): void;
}

/** One connection that carries protocol lines both ways. */
export interface LineTransport {
  /** Connects; resolves once lines can be sent, rejects if the connection fails. */
  open(listener: TransportListener): Promise<void>;
  /** Sends one line; the transport adds its framing (a newline, or one message). */
  send(line: string): void;
  /** Closes after what was sent; `closed` follows. */
  close(): void;
  /** The UDP side channel, on transports that have one. */
  readonly datagrams?: DatagramChannel;
}

/** Datagrams to and from the server's UDP port (protocol section 6). */
export interface DatagramChannel {
  /** Opens the socket; `onDatagram` receives each datagram as text. */
  open(onDatagram: (text: string) => void): Promise<void>;
  send(text: string): void;
  close(): void;
}

/** Makes a fresh transport for each connection attempt (the first and every reconnect). */
export type TransportFactory = () => LineTransport;

/** Timers the client uses; injected by tests, the global ones otherwise. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The global timers. */
export const GLOBAL_TIMERS: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
};
