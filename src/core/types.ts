/**
 * Inputs and effects of the relay core. The core takes one {@link RelayInput} at a time and
 * emits {@link Effect}s; it never touches sockets, timers, the clock or randomness.
 */
import type { ErrorCode } from '../protocol/error-codes.js';
import type { OutgoingKind } from '../protocol/message-kinds.js';
import type { ClusterInput } from './cluster-types.js';

/** A connection's id, chosen by the server; unique among live connections of one process. */
export type ConnId = number;

/** A client's id, given at login; never reused while the server runs (protocol section 1). */
export type ClientId = number;

/** The transports a session can arrive on. */
export const TRANSPORTS = { tcp: 'tcp', websocket: 'websocket' } as const;
export type TransportKind = (typeof TRANSPORTS)[keyof typeof TRANSPORTS];

/** An IP address and port of a UDP peer. */
export interface UdpAddress {
  readonly ip: string;
  readonly port: number;
}

export type RelayInput =
  | {
      readonly type: 'connect';
      readonly connId: ConnId;
      readonly transport: TransportKind;
      /** The peer's IP, normalised (no `::ffff:` prefix), for UDP binding. */
      readonly remoteIp: string;
    }
  | { readonly type: 'line'; readonly connId: ConnId; readonly line: Buffer }
  /**
   * The connection closed. `abrupt` when it broke (a reset, a socket error) rather than being
   * closed by the peer: a logged-in client's session is then kept for `resumeTtlMs` (§10).
   */
  | { readonly type: 'disconnect'; readonly connId: ConnId; readonly abrupt?: boolean }
  | {
      readonly type: 'auth-result';
      readonly connId: ConnId;
      readonly accepted: boolean;
      /** The authenticator would not check now: `auth_busy`, not counted as a failure. */
      readonly busy?: boolean;
    }
  | { readonly type: 'datagram'; readonly from: UdpAddress; readonly data: Buffer }
  /** An administrator removes a client: `9:kicked:<reason>`, then the connection closes. */
  | { readonly type: 'kick'; readonly clientId: ClientId; readonly reason: string }
  /** An administrator closes a room: `9:room_closed:<reason>` and a leave for every member. */
  | { readonly type: 'close-room'; readonly room: string; readonly reason: string }
  /**
   * The server closes a connection on its own behalf (a transport limit broken, an internal
   * error): `9:<code>:<reason>`, reported as a `refused` event like the core's own refusals.
   */
  | {
      readonly type: 'violation';
      readonly connId: ConnId;
      readonly code: ErrorCode;
      readonly reason?: string;
    }
  /** Answers and room events of an asynchronous sequencer (the Redis backplane). */
  | ClusterInput
  /**
   * The clock, in milliseconds from any fixed origin (the server feeds a monotonic clock every
   * `tickIntervalMs`). Deadlines and rate limits are judged against the latest tick.
   */
  | { readonly type: 'tick'; readonly now: number };

/** What happened, for logs and metrics; the server decides what to do with it. */
export type RelayEvent =
  | {
      readonly kind: 'login';
      readonly connId: ConnId;
      readonly clientId: ClientId;
      readonly username: string;
    }
  | {
      readonly kind: 'join';
      readonly clientId: ClientId;
      readonly room: string;
      readonly created: boolean;
    }
  | {
      readonly kind: 'leave';
      readonly clientId: ClientId;
      readonly room: string;
      readonly destroyed: boolean;
    }
  | {
      readonly kind: 'refused';
      readonly connId: ConnId;
      readonly clientId?: ClientId;
      readonly code: ErrorCode;
    }
  | { readonly kind: 'udp-bound'; readonly clientId: ClientId; readonly address: UdpAddress }
  | { readonly kind: 'udp-dropped'; readonly from: UdpAddress; readonly why: UdpDropReason }
  | {
      readonly kind: 'kicked';
      readonly connId: ConnId;
      readonly clientId: ClientId;
      readonly reason: string;
    }
  /** Lines (and datagrams) dropped by the rate limit during the last second, per offender. */
  | {
      readonly kind: 'rate-limited';
      readonly connId: ConnId;
      readonly clientId?: ClientId;
      readonly dropped: number;
      readonly datagramsDropped: number;
    }
  /** A client took its session over on a new connection (§10), `missed` lines replayed. */
  | {
      readonly kind: 'resumed';
      readonly connId: ConnId;
      readonly clientId: ClientId;
      readonly missed: number;
    }
  /** A logged-in client's connection broke; its session waits `resumeTtlMs` for a resume. */
  | { readonly kind: 'away'; readonly connId: ConnId; readonly clientId: ClientId }
  | {
      readonly kind: 'room-closed';
      readonly room: string;
      readonly memberIds: readonly ClientId[];
      readonly reason: string;
    };

export const UDP_DROP_REASONS = ['malformed', 'unbound', 'wrong-ip', 'unknown-client'] as const;
export type UdpDropReason = (typeof UDP_DROP_REASONS)[number];

/**
 * What the core asks the server to do. Writes carry the `kind` of what they write, set where the
 * line was encoded, for the metrics.
 */
export type Effect =
  /** Write one encoded line to one connection. */
  | {
      readonly type: 'send';
      readonly connId: ConnId;
      readonly data: Buffer;
      readonly kind: OutgoingKind;
    }
  /**
   * Write the same encoded line to many connections, skipping `exceptConnId` (-1 for none).
   * `connIds` may be the core's live array: read it before returning, never keep it.
   */
  | {
      readonly type: 'fanout';
      readonly connIds: readonly ConnId[];
      readonly exceptConnId: ConnId;
      readonly data: Buffer;
      readonly kind: OutgoingKind;
    }
  /** Send one datagram. */
  | {
      readonly type: 'datagram';
      readonly to: UdpAddress;
      readonly data: Buffer;
      readonly kind: OutgoingKind;
    }
  /** Close the connection after what was sent to it; the core has already forgotten it. */
  | { readonly type: 'close'; readonly connId: ConnId; readonly code: ErrorCode }
  /** Check a login; answer with an `auth-result` input, never from inside this call. */
  | {
      readonly type: 'authenticate';
      readonly connId: ConnId;
      readonly username: string;
      readonly password: string;
    }
  | { readonly type: 'event'; readonly event: RelayEvent };

/** Receives the core's effects, synchronously and in order. It must not call back into the core. */
export type EffectSink = (effect: Effect) => void;

/** Hands out resume tokens (§10): the server's are 192 random bits; tests may use their own. */
export interface TokenGenerator {
  next(): string;
}

/**
 * Hands out client ids; the server's is a counter, tests may use their own. A negative id means
 * none is available now (a cluster node cut off from its id blocks): the login is refused.
 */
export interface ClientIdGenerator {
  next(): ClientId;
}

/** The core's limits; see src/config/defaults.ts for their values and reasons. */
export interface RelayLimits {
  readonly maxConnections: number;
  readonly maxRooms: number;
  readonly maxRoomMembers: number;
  readonly maxGroupsPerClient: number;
  readonly maxGroupSize: number;
  readonly maxUsernameLength: number;
  readonly maxRoomNameLength: number;
  readonly maxGroupNameLength: number;
  readonly maxAuthFailures: number;
  /** Commands held while a login is being checked, counted and in bytes. */
  readonly maxPendingCommands: number;
  readonly maxPendingBytes: number;
  /** A connection not logged in this long after connecting is closed; 0 turns it off. */
  readonly loginTimeoutMs: number;
  /** A client that sent no line this long is closed, if it sent a ping (or `idleTimeoutAll`). */
  readonly idleTimeoutMs: number;
  readonly idleTimeoutAll: boolean;
  /** Token bucket per client: lines per second, and the burst; 0 per second turns it off. */
  readonly rateLimitPerSecond: number;
  readonly rateLimitBurst: number;
  /** Seconds in a row over the rate limit before the connection is closed; 0 never closes. */
  readonly rateLimitMaxStrikes: number;
  /** Open connections from one IP address; 0 turns the cap off. */
  readonly maxConnectionsPerIp: number;
  /** Addresses (normalised like `remoteIp`) the per-IP cap does not apply to. */
  readonly maxConnectionsPerIpExempt: ReadonlySet<string>;
  /** How long a broken connection's session waits for a resume (§10); 0 turns resume off. */
  readonly resumeTtlMs: number;
  /** Bytes of lines kept per session for a resume; over it while away, the session ends. */
  readonly resumeBufferBytes: number;
  /** Sessions waiting for a resume at once, and the bytes they may hold together. */
  readonly maxAwaySessions: number;
  readonly maxAwayBytes: number;
  /** Issue #15: bytes per second and burst per client (0 per second turns it off). */
  readonly byteRateLimitPerSecond: number;
  readonly byteRateLimitBurst: number;
  /** Characters of a login or room password. */
  readonly maxPasswordLength: number;
  /** Ids across all of one client's groups. */
  readonly maxGroupIdsPerClient: number;
  /** Group recipients a client may name per second, the burst two seconds' worth (0: off). */
  readonly groupFanoutPerSecond: number;
  /** A bound UDP address silent this long may be moved by a bind from its IP (0: never). */
  readonly udpRebindSilenceMs: number;
}
