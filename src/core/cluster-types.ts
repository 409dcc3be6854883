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

export type { GroupEvent, MessageEvent, RoomEvent } from './sequencer.js';

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
  | { readonly op: 'unwatch'; readonly room: string };

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
  | { readonly type: 'backplane-lost' };
