import type { SessionGuard } from './session-guard.js';
import type { ClientId, ConnId, TransportKind, UdpAddress } from './types.js';

/** Where a session is in its life: connected, login being checked, or logged in. */
export type SessionPhase = 'anonymous' | 'authenticating' | 'ready';

/** One client connection as the core sees it. */
export interface Session {
  readonly connId: ConnId;
  readonly transport: TransportKind;
  readonly remoteIp: string;
  phase: SessionPhase;
  /** -1 until logged in. */
  clientId: ClientId;
  username: string;
  room: Room | undefined;
  /** Named groups (protocol section 5): per client, living as long as the client. */
  readonly groups: Map<string, readonly ClientId[]>;
  udp: UdpAddress | undefined;
  authFailures: number;
  /** Raw lines received while the login is being checked, replayed after it. */
  pending: Buffer[];
  pendingBytes: number;
  /** Deadlines and rate limits (issue #4). */
  readonly guard: SessionGuard;
}

/** A room: its members in join order, the oldest first, so the master is `members[0]`. */
export interface Room {
  readonly name: string;
  /** Empty for a public room. */
  readonly password: string;
  readonly members: Session[];
  /** The members' connection ids, kept parallel to `members` for fan-out. */
  readonly connIds: ConnId[];
}

/** The master rule (protocol section 4): the member present longest. */
export function masterOf(room: Room): Session | undefined {
  return room.members[0];
}

/** Every table the core keeps. Only the core mutates it. */
export class RelayState {
  readonly sessions = new Map<ConnId, Session>();
  readonly clients = new Map<ClientId, Session>();
  readonly rooms = new Map<string, Room>();
  /** Bound UDP addresses, keyed by {@link udpKey}. */
  readonly udpBindings = new Map<string, Session>();
}

/** The key of a UDP address in {@link RelayState.udpBindings}. */
export function udpKey(address: UdpAddress): string {
  return `${address.ip}|${address.port}`;
}
