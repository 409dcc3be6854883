import { closeRoom, kickClient } from './admin-actions.js';
import { RelayContext } from './context.js';
import { deliverToGroup } from './delivery.js';
import { handleLine } from './lines.js';
import { admitLine } from './rate-limit.js';
import {
  answerRefused,
  answerRoomList,
  applyRoomEvent,
  detachAll,
  startReplica,
} from './room-events.js';
import type { RoomSequencer } from './sequencer.js';
import { parkSession } from './resume.js';
import { answerAsked, stateArrived } from './resume-remote.js';
import { dropSession, finishLogin, forgetSession, openSession } from './sessions.js';
import type { Room, Session } from './state.js';
import { handleTick } from './tick.js';
import type {
  ClientIdGenerator,
  ConnId,
  EffectSink,
  RelayInput,
  RelayLimits,
  TokenGenerator,
} from './types.js';
import { handleDatagram } from './udp.js';
import type { UdpTokenSource } from './udp-binding.js';

/** Options of a {@link Relay}. */
export interface RelayOptions {
  readonly limits: RelayLimits;
  readonly ids: ClientIdGenerator;
  readonly emit: EffectSink;
  /**
   * What orders room changes and relayed messages; the in-process sequencer when not given. An
   * asynchronous one (the Redis backplane) answers through `handle` (docs/cluster.md).
   */
  readonly sequencer?: RoomSequencer;
  /** Resume tokens (§10); needed when `limits.resumeTtlMs` > 0. */
  readonly tokens?: TokenGenerator;
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
  /** Its connection broke and it waits for a resume (§10). */
  readonly away: boolean;
}

/** What may be read of a relay from outside: snapshots, never its state. */
export interface RelayView {
  /** The rooms, in creation order. */
  rooms(): RoomSnapshot[];
  /** One room, or undefined. */
  room(name: string): RoomSnapshot | undefined;
  /** Every live session, in connection order. */
  sessions(): SessionSnapshot[];
  /** One logged-in client, or undefined. */
  client(clientId: number): SessionSnapshot | undefined;
  /** Counts for health and metrics. */
  counts(): Counts;
}

/** Counts for health and metrics. */
export interface Counts {
  /** Sessions with a live connection. */
  readonly connections: number;
  /** Logged-in clients, away ones included. */
  readonly clients: number;
  readonly rooms: number;
  /** Sessions waiting for a resume (§10), and the bytes of lines they hold. */
  readonly awaySessions: number;
  readonly awayBytes: number;
}

/**
 * The relay core: a synchronous state machine over sessions, rooms and groups. Feed it
 * {@link RelayInput}s with {@link Relay.handle}, its one entry point; it emits effects to the
 * sink it was given.
 */
export class Relay implements RelayView {
  readonly #ctx: RelayContext;

  constructor(options: RelayOptions) {
    const { limits, ids, emit, sequencer, tokens } = options;
    this.#ctx = new RelayContext(limits, ids, emit, sequencer, tokens);
    this.#ctx.guards.udpTokens = options.udpTokens;
  }

  /** Takes one input and emits its effects before returning. Never throws on peer input. */
  handle(input: RelayInput): void {
    const ctx = this.#ctx;
    switch (input.type) {
      case 'line': {
        const session = ctx.state.sessions.get(input.connId);
        // A session being handed over to another node (§10) takes nothing more from here.
        if (session === undefined || session.resume?.handover !== undefined) return;
        session.guard.lastInputAt = ctx.guards.now;
        if (admitLine(ctx, session, input.line.length)) handleLine(ctx, session, input.line);
        return;
      }
      case 'datagram':
        return handleDatagram(ctx, input.from, input.data);
      case 'connect':
        return openSession(ctx, input.connId, input.transport, input.remoteIp);
      case 'disconnect': {
        const session = ctx.state.sessions.get(input.connId);
        // Handed over to another node (§10): its old connection's end ends nothing.
        if (session === undefined || session.resume?.handover !== undefined) return;
        // §10: a broken connection's session waits for a resume; a closed one ends at once.
        if (input.abrupt === true && parkSession(ctx, session)) return;
        forgetSession(ctx, session);
        return;
      }
      case 'auth-result': {
        const session = ctx.state.sessions.get(input.connId);
        if (session !== undefined && session.phase === 'authenticating') {
          finishLogin(ctx, session, input.accepted, input.busy === true);
        }
        return;
      }
      case 'violation': {
        const session = ctx.state.sessions.get(input.connId);
        if (session === undefined) return;
        ctx.refuse(session, input.code, input.reason);
        // Also for a code that leaves the connection open elsewhere: the server wants it closed.
        return dropSession(ctx, session, input.code);
      }
      case 'kick':
        return kickClient(ctx, input.clientId, input.reason);
      case 'close-room':
        return closeRoom(ctx, input.room, input.reason);
      case 'room-snapshot':
        startReplica(ctx, input.room, input.password, input.memberIds);
        return;
      case 'room-event': {
        const room = ctx.state.rooms.get(input.room);
        if (room !== undefined) applyRoomEvent(ctx, room, input.event);
        return;
      }
      case 'group-event':
        return deliverToGroup(ctx, input.event);
      case 'cluster-refused':
        return answerRefused(ctx, input.connId, input.code);
      case 'room-list':
        return answerRoomList(ctx, input.connId, input.rooms);
      case 'backplane-lost':
        return detachAll(ctx);
      case 'resume-asked':
        return answerAsked(ctx, input.ticket, input.clientId, input.token);
      case 'resume-state':
        return stateArrived(ctx, input.connId, input.state);
      case 'tick':
        return handleTick(ctx, input.now);
      default: {
        const unknown: never = input;
        throw new TypeError(`unknown relay input ${JSON.stringify(unknown)}`);
      }
    }
  }

  rooms(): RoomSnapshot[] {
    return [...this.#ctx.state.rooms.values()].map(roomSnapshot);
  }

  room(name: string): RoomSnapshot | undefined {
    const room = this.#ctx.state.rooms.get(name);
    return room === undefined ? undefined : roomSnapshot(room);
  }

  sessions(): SessionSnapshot[] {
    return [...this.#ctx.state.sessions.values()].map(sessionSnapshot);
  }

  client(clientId: number): SessionSnapshot | undefined {
    const session = this.#ctx.state.clients.get(clientId);
    return session === undefined ? undefined : sessionSnapshot(session);
  }

  counts(): Counts {
    const { sessions, clients, rooms } = this.#ctx.state;
    const { awaySessions, awayBytes } = this.#ctx.guards;
    return {
      connections: sessions.size - awaySessions,
      clients: clients.size,
      rooms: rooms.size,
      awaySessions,
      awayBytes,
    };
  }
}

/** Reads a relay through its {@link RelayView} only. */
export function viewOf(relay: Relay): RelayView {
  return {
    rooms: () => relay.rooms(),
    room: (name) => relay.room(name),
    sessions: () => relay.sessions(),
    client: (clientId) => relay.client(clientId),
    counts: () => relay.counts(),
  };
}

function sessionSnapshot(session: Session): SessionSnapshot {
  return {
    connId: session.connId,
    clientId: session.phase === 'ready' ? session.clientId : undefined,
    username: session.phase === 'ready' ? session.username : undefined,
    transport: session.transport,
    room: session.room?.name,
    udpBound: session.udp !== undefined,
    away: session.resume?.awaySince !== undefined,
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
