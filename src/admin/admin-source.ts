import type { RelayView } from '../core/relay.js';
import type { ClientId, ConnId } from '../core/types.js';
import type { ServerCounters } from './server-counters.js';
import type { Connection } from '../transports/connection.js';

/** The relay's read-only snapshots; admin never touches core state. */
export type { RelayView };

/** What admin reads of a live connection: its transport, traffic counters and queue. */
export type ConnectionView = Pick<Connection, 'connId' | 'transport' | 'queuedBytes' | 'stats'>;

/** What the HTTP server counted: its open connections, those refused over a cap, its responses. */
export interface HttpStats {
  readonly connections: { readonly open: number; readonly refused: number };
  readonly responses: ReadonlyMap<number, number>;
}

/** Whether the server takes traffic, with each check by name (`tcp`, `udp`, `http`, ...). */
export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, boolean>>;
}

/**
 * Everything admin needs from the server, handed in by the composition root. Actions go
 * through core inputs there; they answer whether the target existed.
 */
export interface AdminSource {
  readonly relay: RelayView;
  readonly counters: ServerCounters;
  /** The HTTP server's own counts (admin API, pages, metrics). */
  readonly http: HttpStats;
  /** `Date.now()` when the server was built. */
  readonly startedAt: number;
  connection(connId: ConnId): ConnectionView | undefined;
  connections(): Iterable<ConnectionView>;
  readiness(): ReadinessReport;
  /** Kicks a logged-in client; false if there is no such client. */
  kick(clientId: ClientId, reason: string): boolean;
  /** Closes a room; false if there is no such room. */
  closeRoom(name: string, reason: string): boolean;
}
