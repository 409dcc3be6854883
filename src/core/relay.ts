import { parseCommand } from '../protocol/parse-command.js';
import { encodeLoggedIn } from '../protocol/encode.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import { closeRoom, kickClient } from './admin-actions.js';
import { RelayContext } from './context.js';
import { HANDLERS } from './handlers/index.js';
import { admitIp, releaseIp } from './ip-cap.js';
import { admitLine } from './rate-limit.js';
import { newSessionGuard } from './session-guard.js';
import { handleTick } from './tick.js';
import type { Handler } from './handlers/handler.js';
import { leaveRoom } from './rooms.js';
import type { Room, Session } from './state.js';
import type { ClientIdGenerator, ConnId, EffectSink, RelayInput, RelayLimits } from './types.js';
import { handleDatagram, unbindUdp } from './udp.js';

/** Options of a {@link Relay}. */
export interface RelayOptions {
  readonly limits: RelayLimits;
  readonly ids: ClientIdGenerator;
  readonly emit: EffectSink;
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
    this.#ctx = new RelayContext(options.limits, options.ids, options.emit);
    this.#ctx.drop = (session, code) => this.#drop(session, code);
  }

  /** Takes one input and emits its effects before returning. Never throws on peer input. */
  handle(input: RelayInput): void {
    const ctx = this.#ctx;
    switch (input.type) {
      case 'line': {
        const session = ctx.state.sessions.get(input.connId);
        if (session === undefined) return;
        session.guard.lastInputAt = ctx.guards.now;
        if (admitLine(ctx, session)) this.#line(session, input.line);
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
    const session: Session = {
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
      pending: [],
      pendingBytes: 0,
      guard: newSessionGuard(ctx.guards.now, ctx.limits.rateLimitBurst),
    };
    ctx.state.sessions.set(connId, session);
    const ipAdmitted = admitIp(ctx, session);
    if (ctx.state.sessions.size > ctx.limits.maxConnections) ctx.refuse(session, 'server_full');
    else if (!ipAdmitted) ctx.refuse(session, 'too_many_connections_from_ip');
  }

  #line(session: Session, line: Buffer): void {
    const ctx = this.#ctx;
    if (line.length === 0) return;
    if (session.phase === 'authenticating') {
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
    const command = parseCommand(line);
    if (command.type === 'error') return ctx.refuse(session, command.code, command.reason);
    // Section 2: before a successful login every command but `0` is refused.
    if (session.phase !== 'ready' && command.type !== 'login') {
      return ctx.refuse(session, 'not_logged_in');
    }
    (HANDLERS[command.type] as Handler<typeof command.type>)(ctx, session, command);
  }

  #authResult(session: Session, accepted: boolean): void {
    const ctx = this.#ctx;
    if (accepted) {
      session.phase = 'ready';
      session.clientId = ctx.ids.next();
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
    const pending = session.pending;
    session.pending = [];
    session.pendingBytes = 0;
    for (const line of pending) {
      if (ctx.state.sessions.get(session.connId) !== session) return;
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
    leaveRoom(ctx, session, false);
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
