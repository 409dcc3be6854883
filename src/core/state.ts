import type { LineLog, RoomLines } from './resume-log.js';
import type { SessionGuard } from './session-guard.js';
import type { SessionState } from './cluster-types.js';
import type { ClientId, ConnId, TransportKind, UdpAddress } from './types.js';

/** Where a session is in its life: connected, login being checked, or logged in. */
export type SessionPhase = 'anonymous' | 'authenticating' | 'ready';

/** What a session waits for from its sequencer. */
export type SequencerWait = 'join' | 'leave' | 'list-rooms' | 'resume';

/** What a logged-in session keeps so that it can be resumed (protocol §10). */
export interface ResumeState {
  /** The secret of its login reply; never logged. */
  readonly token: string;
  readonly log: LineLog;
  /** The tick time its connection broke; undefined while connected. */
  awaySince: number | undefined;
  /**
   * Cluster mode: the session is being handed over to the node named in this ticket (a resume
   * there, docs/cluster.md); no other resume may take it meanwhile.
   */
  handover: string | undefined;
}

/**
 * A connection resuming a session that another node holds (cluster mode, §10): what it asked,
 * and what has arrived of the session so far.
 */
export interface Arrival {
  readonly clientId: ClientId;
  readonly token: string;
  readonly received: number;
  /** The session's state, shipped by the node that held it. */
  state: SessionState | undefined;
  /**
   * The session in its room on this node from its `move` event on, keeping the room's lines
   * until the state arrives; undefined before the move (or when it is in no room).
   */
  placeholder: Session | undefined;
}

/**
 * One client session as the core sees it. Its connection id, transport and IP change only when
 * a resume moves it to a new connection (§10).
 */
export interface Session {
  connId: ConnId;
  transport: TransportKind;
  remoteIp: string;
  phase: SessionPhase;
  /** -1 until logged in. */
  clientId: ClientId;
  username: string;
  room: Room | undefined;
  /** Named groups (protocol section 5): per client, living as long as the client. */
  readonly groups: Map<string, readonly ClientId[]>;
  udp: UdpAddress | undefined;
  authFailures: number;
  /**
   * A request to the sequencer is outstanding (join, leave, room list); lines are held as during
   * a login check, so the client sees answers in the order it asked. The in-process sequencer
   * answers within the call, so this is set only for that call there.
   */
  waiting: SequencerWait | undefined;
  /** Raw lines received while the login is being checked (or waiting), replayed after it. */
  pending: Buffer[];
  pendingBytes: number;
  /** Held lines are being replayed (a guard against replaying from inside a replay). */
  replaying: boolean;
  /** Deadlines and rate limits (issue #4). */
  readonly guard: SessionGuard;
  /** Set at login when resume is on (`resumeTtlMs` > 0). */
  resume: ResumeState | undefined;
  /** A resume of a session held by another node is under way on this connection. */
  arriving: Arrival | undefined;
}

/**
 * A room (or, in a cluster, this node's replica of it): its members in join order, the oldest
 * first, so the master is `members[0]`. Changed only by room-events.ts.
 */
export interface Room {
  readonly name: string;
  /** Empty for a public room. */
  readonly password: string;
  readonly members: Session[];
  /** The members' connection ids, kept parallel to `members` for fan-out. */
  readonly connIds: ConnId[];
  /** The members by client id, for the one lookup an ordered event needs. */
  readonly byClientId: Map<ClientId, Session>;
  /** The lines written to every member, kept once for their resume logs (§10); resume on only. */
  lines: RoomLines | undefined;
}

/** An empty room. */
export function newRoom(name: string, password: string): Room {
  return { name, password, members: [], connIds: [], byClientId: new Map(), lines: undefined };
}

/**
 * The connection id of a room member connected to another node (cluster mode): such members are
 * kept as stand-in sessions, and fan-outs skip the id since no connection has it.
 */
export const REMOTE_CONN_ID = -2;

/**
 * The connection id of a session arriving from another node (cluster mode, §10) between its
 * `move` event and its state: a local member that keeps its lines and is not written to yet.
 */
export const ARRIVING_CONN_ID = -3;

/** The master rule (protocol section 4): the member present longest. */
export function masterOf(room: Room): Session | undefined {
  return room.members[0];
}

/** A new session, not logged in: the connection has just opened. */
export function newSession(
  connId: ConnId,
  transport: TransportKind,
  remoteIp: string,
  guard: SessionGuard,
): Session {
  return {
    connId,
    transport,
    remoteIp,
    phase: 'anonymous',
    clientId: -1,
    username: '',
    room: undefined,
    groups: new Map(),
    udp: undefined,
    authFailures: 0,
    waiting: undefined,
    pending: [],
    pendingBytes: 0,
    replaying: false,
    guard,
    resume: undefined,
    arriving: undefined,
  };
}

/** Every table the core keeps. Only the core mutates it. */
export class RelayState {
  readonly sessions = new Map<ConnId, Session>();
  readonly clients = new Map<ClientId, Session>();
  readonly rooms = new Map<string, Room>();
  /** Bound UDP addresses, keyed by {@link udpKey}. */
  readonly udpBindings = new Map<string, Session>();
  /** Connections resuming a session another node holds, by the session's client id. */
  readonly arrivals = new Map<ClientId, Session>();
}

/** The key of a UDP address in {@link RelayState.udpBindings}. */
export function udpKey(address: UdpAddress): string {
  return `${address.ip}|${address.port}`;
}
