import { includesSender } from '../protocol/commands.js';
import {
  encodeError,
  encodeLeft,
  encodeMessage,
  encodeMessageDatagram,
  encodeRoomList,
} from '../protocol/encode.js';
import type { ClusterInput, GroupEvent, RoomEvent } from './cluster-types.js';
import type { RelayContext } from './context.js';
import { enterRoom, leaveRoom } from './rooms.js';
import { newSessionGuard } from './session-guard.js';
import { newSession, REMOTE_CONN_ID, type Room, type Session } from './state.js';
import type { ClientId, ConnId } from './types.js';

/**
 * Cluster mode (docs/cluster.md): each node keeps a replica of every room one of its clients is
 * in, and changes it only by applying the room's channel events in channel order, the same on
 * every node. Members connected elsewhere are stand-in sessions whose connection id is
 * {@link REMOTE_CONN_ID}, so the single-process room code (rooms.ts) writes the same lines.
 */
export function handleClusterInput(ctx: RelayContext, input: ClusterInput): void {
  switch (input.type) {
    case 'room-snapshot':
      return applySnapshot(ctx, input.room, input.password, input.memberIds);
    case 'room-event': {
      const room = ctx.state.rooms.get(input.room);
      if (room !== undefined) applyRoomEvent(ctx, room, input.event);
      return;
    }
    case 'group-event':
      return applyGroupEvent(ctx, input.event);
    case 'cluster-refused': {
      const session = ctx.state.sessions.get(input.connId);
      if (session?.waiting === undefined) return;
      ctx.refuse(session, input.code);
      return ctx.release(session);
    }
    case 'room-list': {
      const session = ctx.state.sessions.get(input.connId);
      if (session?.waiting !== 'list-rooms') return;
      ctx.send(session, encodeRoomList(input.rooms));
      return ctx.release(session);
    }
    case 'backplane-lost':
      return detachAll(ctx);
  }
}

/** Cluster mode: a session is going away; its room membership is left through the backplane. */
export function forgetInCluster(ctx: RelayContext, session: Session): void {
  if (session.phase !== 'ready') return;
  // Waiting may mean a join in flight: the leave follows it on the backplane and undoes it.
  if (session.room !== undefined || session.waiting !== undefined) {
    ctx.emit({
      type: 'cluster',
      request: { op: 'leave', connId: -1, clientId: session.clientId },
    });
  }
}

function applySnapshot(
  ctx: RelayContext,
  name: string,
  password: string,
  memberIds: readonly ClientId[],
): void {
  if (ctx.state.rooms.has(name)) return;
  const room: Room = { name, password, members: [], connIds: [] };
  for (const clientId of memberIds) {
    const member = remoteMember(clientId, room);
    room.members.push(member);
    room.connIds.push(member.connId);
  }
  ctx.state.rooms.set(name, room);
}

function applyRoomEvent(ctx: RelayContext, room: Room, event: RoomEvent): void {
  const index = room.members.findIndex((member) => member.clientId === event.clientId);
  switch (event.kind) {
    case 'join': {
      if (index >= 0) return;
      const local = ctx.state.clients.get(event.clientId);
      // Section 4: the same join lines as on one process, from the same room code.
      const joiner = local !== undefined && local.room === undefined ? local : undefined;
      enterRoom(ctx, joiner ?? remoteMember(event.clientId, room), room.name, room.password);
      if (joiner?.waiting === 'join') ctx.release(joiner);
      return;
    }
    case 'leave': {
      const leaver = room.members[index];
      if (leaver === undefined) return;
      const live = ctx.state.sessions.get(leaver.connId) === leaver;
      leaveRoom(ctx, leaver, live);
      if (!room.members.some(isLocal)) unwatch(ctx, room);
      // Last: the leaver's held lines may join this very room again.
      if (live && leaver.waiting === 'leave') ctx.release(leaver);
      return;
    }
    case 'message': {
      // A sender no longer in the room (per this channel's order) is dropped on every node.
      const sender = room.members[index];
      if (sender === undefined) return;
      const skip = includesSender(event.mode) ? undefined : sender;
      if (event.udp) {
        const data = encodeMessageDatagram(sender.clientId, event.payload);
        for (const member of room.members) {
          if (member !== skip && member.udp !== undefined) {
            ctx.emit({ type: 'datagram', to: member.udp, data });
          }
        }
        return;
      }
      ctx.emit({
        type: 'fanout',
        connIds: room.connIds,
        exceptConnId: skip?.connId ?? -1,
        data: encodeMessage(sender.clientId, event.payload),
      });
      return;
    }
  }
}

function applyGroupEvent(ctx: RelayContext, event: GroupEvent): void {
  const data = event.udp
    ? encodeMessageDatagram(event.senderId, event.payload)
    : encodeMessage(event.senderId, event.payload);
  const connIds: ConnId[] = [];
  for (const clientId of event.targets) {
    const target = ctx.state.clients.get(clientId);
    if (target === undefined) continue;
    if (!event.udp) connIds.push(target.connId);
    else if (target.udp !== undefined) ctx.emit({ type: 'datagram', to: target.udp, data });
  }
  if (connIds.length > 0) ctx.emit({ type: 'fanout', connIds, exceptConnId: -1, data });
}

/**
 * The backplane link broke, so this node may have missed room events: its replicas can no longer
 * be trusted. Each local member is told `9:unavailable` and sees its own leave; the others learn
 * of it through the backplane once the node is back, or the node's heartbeat expires.
 */
function detachAll(ctx: RelayContext): void {
  for (const room of ctx.state.rooms.values()) {
    for (const member of room.members) {
      member.room = undefined;
      if (ctx.state.sessions.get(member.connId) !== member) continue;
      ctx.send(member, encodeError('unavailable'));
      ctx.send(member, encodeLeft(member.clientId));
    }
  }
  ctx.state.rooms.clear();
  for (const session of ctx.state.sessions.values()) {
    if (session.waiting === undefined) continue;
    ctx.refuse(session, 'unavailable');
    ctx.release(session);
  }
}

function unwatch(ctx: RelayContext, room: Room): void {
  ctx.state.rooms.delete(room.name);
  for (const member of room.members) member.room = undefined;
  ctx.emit({ type: 'cluster', request: { op: 'unwatch', room: room.name } });
}

function isLocal(member: Session): boolean {
  return member.connId !== REMOTE_CONN_ID;
}

/** A stand-in for a member connected to another node: never written to. */
function remoteMember(clientId: ClientId, room: Room): Session {
  // Never given input, so never judged by the guards: an empty guard satisfies the type.
  const member = newSession(REMOTE_CONN_ID, 'tcp', '', newSessionGuard(0, 0));
  member.phase = 'ready';
  member.clientId = clientId;
  member.room = room;
  return member;
}
