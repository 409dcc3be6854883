/**
 * What the Redis sequencer (src/cluster, docs/cluster.md) takes and feeds back. The core asks
 * through the {@link RoomSequencer} port; the server adapts those calls to
 * {@link ClusterRequest}s for the backplane, whose answers and room events come back to the core
 * as {@link ClusterInput}s through `Relay.handle`, in each room channel's order. The in-process
 * sequencer answers through the same functions, directly.
 */
import type { RoomListEntry } from '../protocol/encode.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import type { GroupEvent, RoomEvent } from './sequencer.js';
import type { ClientId, ConnId } from './types.js';

export type { GroupEvent, MessageEvent, ResumeRequest, RoomEvent } from './sequencer.js';

/**
 * What a node ships of a session it hands over to another node (§10, docs/cluster.md): what the
 * session is, and the lines it keeps for a resume, numbered from `firstSeq`. The member order
 * (and so the master role) needs nothing: the session keeps its place in its room.
 */
export interface SessionState {
  readonly clientId: ClientId;
  readonly username: string;
  /** The room it is a member of; '' for none. */
  readonly room: string;
  readonly groups: readonly (readonly [string, readonly ClientId[]])[];
  readonly firstSeq: number;
  readonly lines: readonly Buffer[];
}

/** A {@link RoomSequencer} call in the form the backplane takes; answered by cluster inputs. */
export type ClusterRequest =
  /** Join (or switch to) a room, atomically checking password, capacity and the room count. */
  | {
      readonly op: 'join';
      readonly connId: ConnId;
      readonly clientId: ClientId;
      readonly room: string;
      readonly password: string;
    }
  /** Leave the current room; `connId` is -1 when the client has disconnected. */
  | { readonly op: 'leave'; readonly connId: ConnId; readonly clientId: ClientId }
  /** The cluster-wide room list as `password` may see it; answered by `room-list`. */
  | { readonly op: 'list-rooms'; readonly connId: ConnId; readonly password: string }
  /** Put an event on a room's channel. */
  | { readonly op: 'publish'; readonly room: string; readonly event: RoomEvent }
  /** Deliver a group message to its targets on every node. */
  | { readonly op: 'group'; readonly event: GroupEvent }
  /** This node no longer holds a replica of the room (no local member left). */
  | { readonly op: 'unwatch'; readonly room: string }
  /** Find a session on another node and move it here (§10); answered by `resume-state`. */
  | {
      readonly op: 'resume';
      readonly connId: ConnId;
      readonly clientId: ClientId;
      readonly token: string;
    }
  /** The holder gives the asked session up; `room` is its room ('' for none). */
  | { readonly op: 'resume-accept'; readonly ticket: string; readonly room: string }
  /** The holder refuses the resume. */
  | { readonly op: 'resume-refuse'; readonly ticket: string; readonly code: ErrorCode }
  /** The holder ships the session's state to the node of the ticket. */
  | { readonly op: 'hand-over'; readonly ticket: string; readonly state: SessionState };

/** What the backplane feeds back into the core. */
export type ClusterInput =
  /**
   * The room as it was just before the next `join` event of its channel, for a node that holds
   * no replica of it yet: its password and its members, oldest first.
   */
  | {
      readonly type: 'room-snapshot';
      readonly room: string;
      readonly password: string;
      readonly memberIds: readonly ClientId[];
    }
  /** The next event of a room this node holds a replica of, in channel order. */
  | { readonly type: 'room-event'; readonly room: string; readonly event: RoomEvent }
  | { readonly type: 'group-event'; readonly event: GroupEvent }
  /** A request of this connection was refused (join checks, or the backplane is unavailable). */
  | { readonly type: 'cluster-refused'; readonly connId: ConnId; readonly code: ErrorCode }
  /** The answer to a `list-rooms` request. */
  | {
      readonly type: 'room-list';
      readonly connId: ConnId;
      readonly rooms: readonly RoomListEntry[];
    }
  /**
   * The link to the backplane broke: events may have been missed, so every replica is dropped
   * and this node's clients leave their rooms locally (docs/cluster.md, failure modes).
   */
  | { readonly type: 'backplane-lost' }
  /**
   * Another node asks for a session (§10): the node holding it checks the token and answers
   * through `acceptResume` or `refuseResume`; the others stay silent.
   */
  | {
      readonly type: 'resume-asked';
      readonly ticket: string;
      readonly clientId: ClientId;
      readonly token: string;
    }
  /** The state of a session this node asked for (connection `connId`) has arrived. */
  | { readonly type: 'resume-state'; readonly connId: ConnId; readonly state: SessionState };
