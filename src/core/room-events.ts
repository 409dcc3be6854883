/**
 * The one place where rooms change (protocol section 4). Every sequencer, in-process or Redis,
 * hands its ordered room events to {@link applyRoomEvent}; the same events in the same order give
 * every node the same members, the same master and the same lines. In a cluster a node keeps a
 * replica of each room one of its clients is in; members connected elsewhere are stand-in
 * sessions whose connection id is {@link REMOTE_CONN_ID}, never written to.
 */
import {
  encodeError,
  encodeJoined,
  encodeLeft,
  encodeMaster,
  encodeRoomList,
} from '../protocol/encode.js';
import type { RoomListEntry } from '../protocol/encode.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import type { RelayContext } from './context.js';
import { deliverToRoom } from './delivery.js';
import type { RoomEvent } from './sequencer.js';
import { newSessionGuard } from './session-guard.js';
import { arrivingMember, memberArrived, refuseArrival, shipSession } from './resume-remote.js';
import {
  ARRIVING_CONN_ID,
  masterOf,
  newRoom,
  newSession,
  REMOTE_CONN_ID,
  type Room,
  type Session,
} from './state.js';
import type { ClientId, ConnId } from './types.js';

/** Applies the next ordered event of a room this node holds. */
export function applyRoomEvent(ctx: RelayContext, room: Room, event: RoomEvent): void {
  switch (event.kind) {
    case 'message': {
      // A sender no longer in the room (in the room's order) is dropped, on every node alike.
      const sender = room.byClientId.get(event.clientId);
      if (sender !== undefined) deliverToRoom(ctx, room, sender, event);
      return;
    }
    case 'join': {
      if (room.byClientId.has(event.clientId)) return;
      const local = ctx.state.clients.get(event.clientId);
      const joiner = local !== undefined && local.room === undefined ? local : undefined;
      enter(ctx, room, joiner ?? remoteMember(event.clientId, room));
      if (joiner?.waiting === 'join') ctx.release(joiner);
      return;
    }
    case 'move': {
      // §10 across nodes: the session's lines are kept by its old node up to here, by its new
      // one from here on. Every other node has a stand-in for it and changes nothing.
      const member = room.byClientId.get(event.clientId);
      if (member === undefined || member.connId === ARRIVING_CONN_ID) return;
      if (isLocal(member)) {
        replaceMember(room, member, remoteMember(event.clientId, room));
        shipSession(ctx, member, event.ticket);
        if (!room.members.some(isLocal)) dropReplica(ctx, room);
        return;
      }
      const arriving = arrivingMember(ctx, event.clientId, room);
      if (arriving === undefined) return;
      replaceMember(room, member, arriving);
      memberArrived(ctx, event.clientId);
      return;
    }
    case 'leave': {
      const leaver = room.byClientId.get(event.clientId);
      if (leaver === undefined) return;
      const live = ctx.state.sessions.get(leaver.connId) === leaver;
      leave(ctx, room, leaver, live);
      if (!room.members.some(isLocal)) dropReplica(ctx, room);
      // Last: the leaver's held lines may join this very room again.
      if (live && leaver.waiting === 'leave') ctx.release(leaver);
      return;
    }
  }
}

/**
 * Starts this node's replica of a room: its password and its members, oldest first, as they
 * were just before the next event the sequencer hands over. A new room starts empty.
 */
export function startReplica(
  ctx: RelayContext,
  name: string,
  password: string,
  memberIds: readonly ClientId[],
): Room {
  const existing = ctx.state.rooms.get(name);
  if (existing !== undefined) return existing;
  const room = newRoom(name, password);
  for (const clientId of memberIds) add(room, remoteMember(clientId, room));
  ctx.state.rooms.set(name, room);
  return room;
}

/** The sequencer refused what a connection waited for. */
export function answerRefused(ctx: RelayContext, connId: ConnId, code: ErrorCode): void {
  const session = ctx.state.sessions.get(connId);
  if (session?.waiting === undefined) return;
  if (session.waiting === 'resume') return refuseArrival(ctx, session, code);
  ctx.refuse(session, code);
  ctx.release(session);
}

/** The sequencer's answer to a room list request (`1`, section 8). */
export function answerRoomList(
  ctx: RelayContext,
  connId: ConnId,
  rooms: Iterable<RoomListEntry>,
): void {
  const session = ctx.state.sessions.get(connId);
  if (session?.waiting !== 'list-rooms') return;
  // A room this node holds a replica of is counted as the replica has it: the list then agrees
  // with every join and leave its clients have seen, though on Redis Cluster the counts it was
  // sent may be a moment behind (docs/cluster.md, "Redis Cluster"). Rooms of no member go.
  const counted: RoomListEntry[] = [];
  for (const entry of rooms) {
    const replica = ctx.state.rooms.get(entry.name);
    const memberCount = replica === undefined ? entry.memberCount : replica.members.length;
    if (memberCount > 0) counted.push({ name: entry.name, memberCount });
  }
  ctx.send(session, encodeRoomList(counted), 'rooms');
  ctx.release(session);
}

/**
 * The sequencer lost events (the backplane link broke): no replica can be trusted. Each local
 * member is told `9:unavailable` and sees its own leave; the others learn of it through the
 * backplane once the node is back, or when its heartbeat expires.
 */
export function detachAll(ctx: RelayContext): void {
  for (const room of ctx.state.rooms.values()) {
    for (const member of room.members) {
      member.room = undefined;
      if (ctx.state.sessions.get(member.connId) !== member) continue;
      ctx.send(member, encodeError('unavailable'), 'error');
      ctx.send(member, encodeLeft(member.clientId), 'leave');
    }
  }
  ctx.state.rooms.clear();
  for (const session of ctx.state.sessions.values()) {
    if (session.waiting === undefined) continue;
    // A resume under way cannot finish: the client logs in afresh (§10).
    if (session.waiting === 'resume') {
      refuseArrival(ctx, session, 'resume_failed');
      continue;
    }
    ctx.refuse(session, 'unavailable');
    ctx.release(session);
  }
}

/** Puts a session into a room (section 4, joining). */
function enter(ctx: RelayContext, room: Room, session: Session): void {
  const existing = room.members.length;
  add(room, session);
  session.room = room;
  ctx.event({ kind: 'join', clientId: session.clientId, room: room.name, created: existing === 0 });
  // 4.2: everyone in the room, the joiner included, learns of the join.
  ctx.roomcast(room, undefined, encodeJoined(session.clientId, room.name), 'join');
  // A member connected to another node learns all this from its own node.
  if (session.connId === REMOTE_CONN_ID) return;
  // 4.3: the joiner learns of every member already there, oldest first.
  for (let index = 0; index < existing; index += 1) {
    const member = room.members[index] as Session;
    ctx.send(session, encodeJoined(member.clientId, room.name), 'join');
  }
  // 4.4: then the joiner learns who the master is.
  ctx.send(session, encodeMaster((masterOf(room) as Session).clientId), 'master');
}

/**
 * Takes a session out of its room (section 4, leaving). `notifyLeaver` is false when the leaver
 * is gone (disconnected) and can no longer be written to.
 */
function leave(ctx: RelayContext, room: Room, session: Session, notifyLeaver: boolean): void {
  const index = room.members.indexOf(session);
  const wasMaster = index === 0;
  room.members.splice(index, 1);
  room.connIds.splice(index, 1);
  room.byClientId.delete(session.clientId);
  session.room = undefined;
  const destroyed = room.members.length === 0;
  if (destroyed) ctx.state.rooms.delete(room.name);
  ctx.event({ kind: 'leave', clientId: session.clientId, room: room.name, destroyed });
  // 4.L1: the others, and the leaver if still connected, see the leave.
  const left = encodeLeft(session.clientId);
  ctx.roomcast(room, undefined, left, 'leave');
  if (notifyLeaver) ctx.send(session, left, 'leave');
  // 4.L2: a departed master is replaced by the member present longest.
  const master = masterOf(room);
  if (wasMaster && master !== undefined) {
    ctx.roomcast(room, undefined, encodeMaster(master.clientId), 'master');
  }
}

/** Puts `next` in `member`'s place in the member order (a session moving between nodes). */
function replaceMember(room: Room, member: Session, next: Session): void {
  const index = room.members.indexOf(member);
  room.members[index] = next;
  room.connIds[index] = next.connId;
  room.byClientId.set(next.clientId, next);
}

function add(room: Room, member: Session): void {
  room.members.push(member);
  room.connIds.push(member.connId);
  room.byClientId.set(member.clientId, member);
}

/** No local member is left: this node stops following the room. */
function dropReplica(ctx: RelayContext, room: Room): void {
  if (ctx.state.rooms.get(room.name) === room) ctx.state.rooms.delete(room.name);
  for (const member of room.members) member.room = undefined;
  ctx.sequencer.release(room.name);
}

function isLocal(member: Session): boolean {
  return member.connId !== REMOTE_CONN_ID;
}

/** A stand-in for a member connected to another node: never written to, never given input. */
function remoteMember(clientId: ClientId, room: Room): Session {
  // Never judged by the guards: an empty guard satisfies the type.
  const member = newSession(REMOTE_CONN_ID, 'tcp', '', newSessionGuard(0, 0));
  member.phase = 'ready';
  member.clientId = clientId;
  member.room = room;
  return member;
}
