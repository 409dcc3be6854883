import { parseCommand } from '../protocol/parse-command.js';
import { encodeLoggedIn } from '../protocol/encode.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import { closeRoom, kickClient } from './admin-actions.js';
import { forgetInCluster, handleClusterInput } from './cluster-replica.js';
import { RelayContext } from './context.js';
import { HANDLERS } from './handlers/index.js';
import { admitIp, releaseIp } from './ip-cap.js';
import { admitLine } from './rate-limit.js';
import { newSessionGuard } from './session-guard.js';
import { handleTick } from './tick.js';
import type { Handler } from './handlers/handler.js';
import { leaveRoom } from './rooms.js';
import { newSession, type Room, type Session } from './state.js';
import type { ClientIdGenerator, ConnId, EffectSink, RelayInput, RelayLimits } from './types.js';
import { handleDatagram, unbindUdp } from './udp.js';
import type { UdpTokenSource } from './udp-binding.js';

/** Options of a {@link Relay}. */
export interface RelayOptions {
  readonly limits: RelayLimits;
  readonly ids: ClientIdGenerator;
  readonly emit: EffectSink;
  /** Cluster mode: rooms, messages and groups go through the backplane (docs/cluster.md). */
  readonly cluster?: boolean;
  /** Issues UDP bind tokens (src/core/udp-binding.ts); without it none are issued. */
  readonly udpTokens?: UdpTokenSource;
}

/** A read-only view of one room, for admin pages and tests. */
export interface RoomSnapshot {
  readonly name: string;
  readonly isPrivate: boolean;
  readonly masterId: number;
  readonly memberIds: readonly number[];
}

/** A read-only view of one session. */
export interface SessionSnapshot {
  readonly connId: ConnId;
  readonly clientId: number | undefined;
  readonly username: string | undefined;
  readonly transport: string;
  readonly room: string | undefined;
  readonly udpBound: boolean;
}

/**
 * The relay core: a synchronous state machine over sessions, rooms and groups. Feed it
 * {@link RelayInput}s with {@link Relay.handle}; it emits effects to the sink it was given.
 */
export class Relay {
  readonly #ctx: RelayContext;

  constructor(options: RelayOptions) {
    this.#ctx = new RelayContext(options.limits, options.ids, options.emit, options.cluster);
    this.#ctx.guards.udpTokens = options.udpTokens;
    this.#ctx.drop = (session, code) => this.#drop(session, code);
    this.#ctx.release = (session) => {
      session.waiting = undefined;
      this.#replay(session);
    };
  }

  /** Takes one input and emits its effects before returning. Never throws on peer input. */
  handle(input: RelayInput): void {
    const ctx = this.#ctx;
    switch (input.type) {
      case 'line': {
        const session = ctx.state.sessions.get(input.connId);
        if (session === undefined) return;
        session.guard.lastInputAt = ctx.guards.now;
        if (admitLine(ctx, session, input.line.length)) this.#line(session, input.line);
        return;
      }
      case 'datagram':
        return handleDatagram(ctx, input.from, input.data);
      case 'connect':
        return this.#connect(input.connId, input.transport, input.remoteIp);
      case 'disconnect': {
        const session = ctx.state.sessions.get(input.connId);
        if (session !== undefined) this.#forget(session);
        return;
      }
      case 'auth-result': {
        const session = ctx.state.sessions.get(input.connId);
        if (session !== undefined && session.phase === 'authenticating') {
          this.#authResult(session, input.accepted);
        }
        return;
      }
      case 'kick':
        return kickClient(ctx, input.clientId, input.reason);
      case 'close-room':
        return closeRoom(ctx, input.room, input.reason);
      case 'room-snapshot':
      case 'room-event':
      case 'group-event':
      case 'cluster-refused':
      case 'room-list':
      case 'backplane-lost':
        return handleClusterInput(ctx, input);
      case 'tick':
        return handleTick(ctx, input.now);
      default: {
        const unknown: never = input;
        throw new TypeError(`unknown relay input ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** The rooms, in creation order. */
  rooms(): RoomSnapshot[] {
    return [...this.#ctx.state.rooms.values()].map(roomSnapshot);
  }

  /** One room, or undefined. */
  room(name: string): RoomSnapshot | undefined {
    const room = this.#ctx.state.rooms.get(name);
    return room === undefined ? undefined : roomSnapshot(room);
  }

  /** Every live session, in connection order. */
  sessions(): SessionSnapshot[] {
    return [...this.#ctx.state.sessions.values()].map(sessionSnapshot);
  }

  /** One logged-in client, or undefined. */
  client(clientId: number): SessionSnapshot | undefined {
    const session = this.#ctx.state.clients.get(clientId);
    return session === undefined ? undefined : sessionSnapshot(session);
  }

  /** Counts for health and metrics. */
  counts(): { connections: number; clients: number; rooms: number } {
    const { sessions, clients, rooms } = this.#ctx.state;
    return { connections: sessions.size, clients: clients.size, rooms: rooms.size };
  }

  /**
   * Closes a connection on the server's behalf (a transport limit broken, an internal error),
   * with the given code; reported as a `refused` event like the core's own refusals.
   */
  close(connId: ConnId, code: ErrorCode, reason?: string): void {
    const session = this.#ctx.state.sessions.get(connId);
    if (session === undefined) return;
    this.#ctx.refuse(session, code, reason);
    // Also for a code that leaves the connection open elsewhere: the server wants it closed.
    this.#drop(session, code);
  }

  #connect(connId: ConnId, transport: Session['transport'], remoteIp: string): void {
    const ctx = this.#ctx;
    if (ctx.state.sessions.has(connId)) throw new Error(`connection ${connId} is already known`);
    const guard = newSessionGuard(ctx.guards.now, ctx.limits.rateLimitBurst);
    const session = newSession(connId, transport, remoteIp, guard);
    ctx.state.sessions.set(connId, session);
    const ipAdmitted = admitIp(ctx, session);
    if (ctx.state.sessions.size > ctx.limits.maxConnections) ctx.refuse(session, 'server_full');
    else if (!ipAdmitted) ctx.refuse(session, 'too_many_connections_from_ip');
  }

  #line(session: Session, line: Buffer): void {
    const ctx = this.#ctx;
    if (line.length === 0) return;
    if (session.phase === 'authenticating' || session.waiting !== undefined) {
      // Hold what a client pipelines behind its login, within bounds, and replay it after.
      if (
        session.pending.length >= ctx.limits.maxPendingCommands ||
        session.pendingBytes + line.length > ctx.limits.maxPendingBytes
      ) {
        return ctx.refuse(session, 'too_many_pending');
      }
      session.pending.push(Buffer.from(line));
      session.pendingBytes += line.length;
      return;
    }
    const command = parseCommand(line, ctx.limits);
    if (command.type === 'error') return ctx.refuse(session, command.code, command.reason);
    // Section 2: before a successful login every command but `0` is refused.
    if (session.phase !== 'ready' && command.type !== 'login') {
      return ctx.refuse(session, 'not_logged_in');
    }
    (HANDLERS[command.type] as Handler<typeof command.type>)(ctx, session, command);
  }

  #authResult(session: Session, accepted: boolean): void {
    const ctx = this.#ctx;
    const clientId = accepted ? ctx.ids.next() : -1;
    if (accepted && clientId < 0) {
      // Cluster mode, cut off from the id blocks: never hand out an id that may be reused.
      session.phase = 'anonymous';
      session.username = '';
      ctx.refuse(session, 'unavailable');
    } else if (accepted) {
      session.phase = 'ready';
      session.clientId = clientId;
      ctx.state.clients.set(session.clientId, session);
      ctx.event({
        kind: 'login',
        connId: session.connId,
        clientId: session.clientId,
        username: session.username,
      });
      ctx.send(session, encodeLoggedIn(session.clientId));
    } else {
      session.phase = 'anonymous';
      session.username = '';
      session.authFailures += 1;
      // Every wrong password is answered `auth_failed`; the last allowed one also closes.
      ctx.refuse(session, 'auth_failed');
      if (session.authFailures >= ctx.limits.maxAuthFailures) {
        return ctx.refuse(session, 'too_many_auth_failures');
      }
    }
    this.#replay(session);
  }

  /** Replays held lines until none is left or the session has to wait again. */
  #replay(session: Session): void {
    const ctx = this.#ctx;
    while (
      session.pending.length > 0 &&
      session.phase !== 'authenticating' &&
      session.waiting === undefined
    ) {
      if (ctx.state.sessions.get(session.connId) !== session) return;
      const line = session.pending.shift() as Buffer;
      session.pendingBytes -= line.length;
      this.#line(session, line);
    }
  }

  #drop(session: Session, code: ErrorCode): void {
    if (!this.#forget(session)) return;
    this.#ctx.emit({ type: 'close', connId: session.connId, code });
  }

  /** Removes a session and everything it holds; false if it was already gone. */
  #forget(session: Session): boolean {
    const ctx = this.#ctx;
    if (ctx.state.sessions.get(session.connId) !== session) return false;
    ctx.state.sessions.delete(session.connId);
    releaseIp(ctx, session);
    // Section 4: disconnecting leaves the room as `2:-1` would, without writing to the leaver.
    if (ctx.cluster) forgetInCluster(ctx, session);
    else leaveRoom(ctx, session, false);
    unbindUdp(ctx, session);
    if (session.phase === 'ready') ctx.state.clients.delete(session.clientId);
    session.phase = 'anonymous';
    session.pending = [];
    return true;
  }
}

function sessionSnapshot(session: Session): SessionSnapshot {
  return {
    connId: session.connId,
    clientId: session.phase === 'ready' ? session.clientId : undefined,
    username: session.phase === 'ready' ? session.username : undefined,
    transport: session.transport,
    room: session.room?.name,
    udpBound: session.udp !== undefined,
  };
}

function roomSnapshot(room: Room): RoomSnapshot {
  return {
    name: room.name,
    isPrivate: room.password !== '',
    masterId: room.members[0]?.clientId ?? -1,
    memberIds: room.members.map((member) => member.clientId),
  };
}
