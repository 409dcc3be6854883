/** The options, events and states of the client (roomwire-client.ts). */
import type { ReconnectOptions } from './reconnect.js';
import type { RoomwireError } from './errors.js';
import type { TransportFactory, Timers } from './transport.js';
import type { ListenerErrorHandler } from './typed-emitter.js';

/** Options of `RoomwireClient`. */
export interface RoomwireClientOptions {
  /** Makes the connection: `tcpTransport(...)` in Node, `webSocketTransport(...)` anywhere. */
  readonly transport: TransportFactory;
  /** Reconnect after a lost connection, log in again and rejoin the room. Off by default. */
  readonly reconnect?: boolean | ReconnectOptions;
  /** How long a request may wait for its answer before the connection is given up. */
  readonly requestTimeoutMs?: number;
  /** How often the UDP bind datagram is repeated, and for how long, until it is answered. */
  readonly udpRetryMs?: number;
  readonly udpBindTimeoutMs?: number;
  readonly timers?: Timers;
  /** For the jitter of reconnect delays; `Math.random` by default. */
  readonly random?: () => number;
  /** Gets what an event listener threw; by default it is rethrown as uncaught. */
  readonly onListenerError?: ListenerErrorHandler;
}

/** A room as listed by `RoomwireClient.listRooms`. */
export interface RoomInfo {
  readonly name: string;
  readonly memberCount: number;
}

/** The client's events and what their listeners receive. */
export interface ClientEvents {
  /** A client is in the room now: you (`self`), or another; `existing` if it was there before you. */
  joined: { clientId: number; room: string; self: boolean; existing: boolean };
  left: { clientId: number; room: string; self: boolean };
  message: { senderId: number; payload: string; unreliable: boolean };
  master: { masterId: number; room: string };
  /** A refusal that no pending request took (for example of a `send`). */
  error: RoomwireError;
  /** The connection ended; `reconnecting` when the client is trying to get it back. */
  close: { error: RoomwireError | undefined; reconnecting: boolean };
  /**
   * Back after a lost connection. `resumed`: the server kept the session (protocol §10), so
   * the id, the room, the groups and the master role are the same, and the `replayed` lines
   * missed meanwhile were delivered as events; nobody saw this client leave. Otherwise it
   * logged in again (a new id) and rejoined its room.
   */
  reconnected: {
    clientId: number;
    room: string | undefined;
    resumed: boolean;
    replayed: number;
  };
}

/** `idle` before `connect()`, `open` when usable, `closed` after `close()` or giving up. */
export type ClientStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';
