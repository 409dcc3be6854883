import type { ClusterInput, ClusterRequest } from '../core/cluster-types.js';
import type { ClientIdGenerator } from '../core/types.js';

/** The backplane could not be reached at start; `code` makes the CLI print the message alone. */
export class BackplaneUnavailableError extends Error {
  readonly code = 'cluster_unavailable';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BackplaneUnavailableError';
  }
}

/**
 * The cluster backplane as the server sees it (docs/cluster.md): it takes the core's cluster
 * requests and feeds back answers and room events, in each room channel's order, to every node,
 * the requesting one included. It speaks rooms and nodes, never Redis verbs.
 *
 * The single-process default needs no object here: without a backplane the core applies rooms,
 * messages and groups itself, synchronously, on its untouched hot path (the "local backplane" is
 * the identity). The golden transcripts run against both and must read the same.
 */
export interface Backplane {
  /** Client ids unique across the cluster; negative when none can be had right now. */
  readonly ids: ClientIdGenerator;
  /** Connects, registers the node and fetches its first id block; rejects when it cannot. */
  start(feed: (input: ClusterInput) => void): Promise<void>;
  /** Takes one request; answers come later through `feed`, never from inside this call. */
  request(request: ClusterRequest): void;
  /** Connected and registered: rooms and messages work. */
  ready(): boolean;
  /** Removes the node's clients from their rooms and its registration, then disconnects. */
  stop(): Promise<void>;
}
