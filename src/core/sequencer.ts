/**
 * The sequencer port (docs/ARCHITECTURE.md, "One room model"). The core never changes a room by
 * itself: it asks its sequencer to admit a join, order a leave or order a relayed message, and
 * applies the ordered room events the sequencer hands back, through the one function that
 * applies room events (room-events.ts). Two implementations stand behind this interface: the
 * in-process sequencer (local-sequencer.ts, the default), which answers synchronously within the
 * same call, and the Redis backplane (src/cluster), whose answers come back later as
 * {@link ClusterInput}s through `Relay.handle`. The core does not ask which one it has.
 */
import type { MessageMode } from '../protocol/commands.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import type { SessionState } from './cluster-types.js';
import type { Room } from './state.js';
import type { ClientId, ConnId } from './types.js';

/** A relayed `3:<mode>:payload` message of one room's sender; `udp` when it came as a datagram. */
export interface MessageEvent {
  readonly kind: 'message';
  readonly clientId: ClientId;
  readonly mode: MessageMode;
  readonly udp: boolean;
  readonly payload: Buffer;
}

/** One event of a room, in the room's order; every node applies the same events in one order. */
export type RoomEvent =
  | { readonly kind: 'join'; readonly clientId: ClientId }
  | { readonly kind: 'leave'; readonly clientId: ClientId }
  /**
   * Cluster mode (§10): the member's session moves to the node that asked for it in `ticket`;
   * before this event its node keeps its lines, after it the new node does. No line is written.
   */
  | { readonly kind: 'move'; readonly clientId: ClientId; readonly ticket: string }
  | MessageEvent;

/** A group message (`4:group:payload`) for the named clients, wherever they are connected. */
export interface GroupEvent {
  readonly senderId: ClientId;
  readonly targets: readonly ClientId[];
  readonly udp: boolean;
  readonly payload: Buffer;
}

/** A join to admit: leave `from` (if any), then enter `room`, or refuse with a code. */
export interface JoinRequest {
  readonly connId: ConnId;
  readonly clientId: ClientId;
  readonly room: string;
  readonly password: string;
  /** The room the client is in now, as this node sees it. */
  readonly from: string | undefined;
}

/** A leave to order. `connId` is -1 when the client is gone (nobody waits for an answer). */
export interface LeaveRequest {
  readonly connId: ConnId;
  readonly clientId: ClientId;
  /** The room the client is in as this node sees it; undefined while its join is in flight. */
  readonly room: string | undefined;
}

/** A resume (§10) of a session this node does not hold: the cluster is asked for it. */
export interface ResumeRequest {
  readonly connId: ConnId;
  readonly clientId: ClientId;
  readonly token: string;
}

/**
 * What the core asks of its sequencer. Each request is answered by ordered room events, a
 * refusal (`9:<code>` for the asking connection) or a room list, through the core's
 * {@link SequencedInput} functions: at once (in-process) or later (through `Relay.handle`).
 */
export interface RoomSequencer {
  /** Admit a join (password, capacity, room count: core/admission.ts) and order it. */
  join(request: JoinRequest): void;
  /** Order a leave; refused with `not_in_room` when the client is in no room. */
  leave(request: LeaveRequest): void;
  /** Order a relayed message in its room (the node's replica of it). */
  message(room: Room, event: MessageEvent): void;
  /** Deliver a group message to its targets, on every node. */
  group(event: GroupEvent): void;
  /** The room list as `password` may see it (protocol section 8). */
  listRooms(connId: ConnId, password: string): void;
  /** This node keeps no replica of the room any more: it has no local member left. */
  release(room: string): void;
  /**
   * Find the session on another node and move it here (§10); answered by `resume-state`, or
   * refused (`resume_failed`). The in-process sequencer has no other node and refuses at once.
   */
  resume(request: ResumeRequest): void;
  /** This node holds the asked session and gives it up: `room` is where it is a member. */
  acceptResume(ticket: string, room: string): void;
  /** This node holds the asked session and refuses the resume with `code`. */
  refuseResume(ticket: string, code: ErrorCode): void;
  /** The session's state, for the node of the ticket, once it is no longer this node's. */
  handOver(ticket: string, state: SessionState): void;
}
