import type { AdminSource, HttpStats, ReadinessReport } from '../admin/admin-source.js';
import type { RelayView } from '../core/relay.js';
import type { ConnId, RelayInput } from '../core/types.js';
import type { Connection } from '../transports/connection.js';
import type { ServerCounters } from '../admin/server-counters.js';

/** The named conditions of `/readyz`; the server is ready when every one holds. */
export class ReadinessChecks {
  readonly #checks = new Map<string, () => boolean>();

  /** Adds a check; a name is used once (a programmer error otherwise). */
  add(name: string, check: () => boolean): void {
    if (this.#checks.has(name)) throw new Error(`readiness check ${name} already exists`);
    this.#checks.set(name, check);
  }

  report(): ReadinessReport {
    const checks = Object.fromEntries([...this.#checks].map(([name, check]) => [name, check()]));
    return { ready: Object.values(checks).every(Boolean), checks };
  }
}

/** What {@link adminSource} is built from: the server's parts. */
export interface AdminSourceDeps {
  readonly relay: RelayView;
  readonly counters: ServerCounters;
  readonly http: HttpStats;
  readonly connections: ReadonlyMap<ConnId, Connection>;
  readonly readiness: ReadinessChecks;
  /** Hands an input to the core, as the server does for its connections. */
  readonly input: (input: RelayInput) => void;
}

/**
 * What the admin endpoints read, and the two actions: they check the relay's snapshot (all of
 * this is synchronous, so nothing changes in between), then go through core inputs.
 */
export function adminSource(deps: AdminSourceDeps): AdminSource {
  const { relay, connections } = deps;
  return {
    relay,
    counters: deps.counters,
    http: deps.http,
    startedAt: Date.now(),
    connection: (connId) => connections.get(connId),
    connections: () => connections.values(),
    readiness: () => deps.readiness.report(),
    kick: (clientId, reason) => {
      if (relay.client(clientId) === undefined) return false;
      deps.input({ type: 'kick', clientId, reason });
      return true;
    },
    closeRoom: (room, reason) => {
      if (relay.room(room) === undefined) return false;
      deps.input({ type: 'close-room', room, reason });
      return true;
    },
  };
}
