import type { RoomListEntry } from '../protocol/encode.js';
import { admitJoin, roomVisible } from './admission.js';
import type { RelayContext } from './context.js';
import { deliverToGroup } from './delivery.js';
import { answerRefused, answerRoomList, applyRoomEvent, startReplica } from './room-events.js';
import type {
  GroupEvent,
  JoinRequest,
  LeaveRequest,
  MessageEvent,
  ResumeRequest,
  RoomSequencer,
} from './sequencer.js';
import type { Room } from './state.js';
import type { ConnId } from './types.js';

/**
 * The in-process sequencer, the default: one process is a cluster of one node whose sequencer
 * answers in the same call. The core's own rooms are the whole truth here, so it decides a join
 * from them and applies each event at once, in the order asked. No promise, no queue, and on a
 * message no allocation of its own.
 */
export class LocalSequencer implements RoomSequencer {
  constructor(private readonly ctx: RelayContext) {}

  join(request: JoinRequest): void {
    const { ctx } = this;
    const { rooms } = ctx.state;
    const target = rooms.get(request.room);
    const old = request.from === undefined ? undefined : rooms.get(request.from);
    const view = {
      room:
        target === undefined
          ? undefined
          : { password: target.password, memberCount: target.members.length },
      roomCount: rooms.size,
      leavesEmptyRoom: old?.members.length === 1,
    };
    const refusal = admitJoin(view, request.password, ctx.limits);
    if (refusal !== undefined) return answerRefused(ctx, request.connId, refusal);
    // Section 4.1: leave the old room first, exactly as `2:-1` would.
    if (old !== undefined) applyRoomEvent(ctx, old, { kind: 'leave', clientId: request.clientId });
    // Section 8: the creator's password makes a new room private; an existing room keeps its own.
    const room = target ?? startReplica(ctx, request.room, request.password, []);
    applyRoomEvent(ctx, room, { kind: 'join', clientId: request.clientId });
  }

  leave(request: LeaveRequest): void {
    const { ctx } = this;
    const room = request.room === undefined ? undefined : ctx.state.rooms.get(request.room);
    if (room === undefined || !room.byClientId.has(request.clientId)) {
      if (request.connId >= 0) answerRefused(ctx, request.connId, 'not_in_room');
      return;
    }
    applyRoomEvent(ctx, room, { kind: 'leave', clientId: request.clientId });
  }

  message(room: Room, event: MessageEvent): void {
    applyRoomEvent(this.ctx, room, event);
  }

  group(event: GroupEvent): void {
    deliverToGroup(this.ctx, event);
  }

  listRooms(connId: ConnId, password: string): void {
    answerRoomList(this.ctx, connId, visibleRooms(this.ctx.state.rooms.values(), password));
  }

  release(): void {
    // The core's rooms are the only copy: there is nothing else to let go of.
  }

  resume(request: ResumeRequest): void {
    // One process is the whole cluster: a session it does not hold does not exist.
    answerRefused(this.ctx, request.connId, 'resume_failed');
  }

  // No other node can ask this one for a session, so these are never called.
  readonly acceptResume = ignore;
  readonly refuseResume = ignore;
  readonly handOver = ignore;
}

function ignore(): void {
  // Nothing to do: see the callers.
}

function* visibleRooms(rooms: Iterable<Room>, password: string): Iterable<RoomListEntry> {
  for (const room of rooms) {
    if (roomVisible(room.password, password)) {
      yield { name: room.name, memberCount: room.members.length };
    }
  }
}
