import type { ErrorCode } from '../protocol/error-codes.js';
import type { ConnId, TransportKind } from '../core/types.js';

/** Why a connection ended: an error code the server sent, or what the peer or socket did. */
export type CloseReason = ErrorCode | 'peer_closed' | 'socket_error';

/** Traffic of one connection, counted by its transport, for the admin API and metrics. */
export interface ConnectionStats {
  /** `Date.now()` when the connection opened. */
  readonly connectedAt: number;
  linesIn: number;
  bytesIn: number;
  linesOut: number;
  bytesOut: number;
}

/** Fresh counters for a connection opening now. */
export function newConnectionStats(): ConnectionStats {
  return { connectedAt: Date.now(), linesIn: 0, bytesIn: 0, linesOut: 0, bytesOut: 0 };
}

/** One client connection, whatever the transport. The server writes to it and closes it. */
export interface Connection {
  readonly connId: ConnId;
  readonly transport: TransportKind;
  /** The peer's IP, normalised (no `::ffff:` prefix). */
  readonly remoteIp: string;
  /** `ip:port`, for logs. */
  readonly remoteAddress: string;
  /** Bytes written but not yet taken by the peer (application queue plus socket buffer). */
  readonly queuedBytes: number;
  readonly stats: ConnectionStats;
  /** Queues bytes; writes within one event-loop turn go out together. */
  write(data: Buffer): void;
  /** Flushes what is queued, then closes; cut after the flush deadline. */
  close(reason: CloseReason): void;
}

/** What a transport reports to the server. Calls never happen inside `Connection.write`. */
export interface ConnectionHandlers {
  opened(connection: Connection): void;
  line(connection: Connection, line: Buffer): void;
  /** The peer broke a transport limit (for example `line_too_long`); the server refuses and closes. */
  violation(connection: Connection, code: ErrorCode): void;
  closed(connection: Connection, reason: CloseReason): void;
}

/** `::ffff:1.2.3.4` -> `1.2.3.4`, so TCP and UDP see one client's IP alike. */
export function normalizeIp(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
