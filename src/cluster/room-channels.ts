/**
 * Which room channels a node listens to, and where its replica of each room starts
 * (docs/cluster.md, "the snapshot boundary"). Pure: no Redis here, so it is unit tested alone.
 *
 * A node with no replica of a room subscribes to its channel before its join script runs, and
 * discards the channel's events until the `join` event of one of its own pending joiners: the
 * script published that event and returned its snapshot (the room just before it) atomically, so
 * the replica is the snapshot followed by the events from that `join` on, in channel order.
 * The script's reply and the channel event come on different connections, in either order;
 * whatever arrives first waits for the other.
 */
import type { ClusterInput, RoomEvent } from '../core/cluster-types.js';
import type { ClientId } from '../core/types.js';

/** The room as a join script saw it, just before its join. */
export interface RoomSnapshot {
  readonly password: string;
  readonly memberIds: readonly ClientId[];
}

/** A join of one of this node's clients, between its script and its channel event. */
interface PendingJoin {
  snapshot: RoomSnapshot | undefined;
  /** The join's event has come through the channel. */
  seen: boolean;
}

interface Channel {
  /** `live`: the core holds a replica; `idle`: discarding until a pending join's event. */
  status: 'idle' | 'awaiting-snapshot' | 'live';
  readonly pending: Map<ClientId, PendingJoin>;
  /** While awaiting a snapshot: the events from the joiner's own `join` on. */
  buffer: RoomEvent[];
  /** The joiner whose snapshot the buffered events wait for. */
  awaiting: ClientId;
}

/** What {@link RoomChannels} does to the world. */
export interface RoomChannelsSink {
  /** Feeds the core; never called from inside a core call. */
  readonly feed: (input: ClusterInput) => void;
  readonly subscribe: (room: string) => void;
  readonly unsubscribe: (room: string) => void;
}

export class RoomChannels {
  readonly #channels = new Map<string, Channel>();

  constructor(private readonly sink: RoomChannelsSink) {}

  /** The rooms whose channels this node listens to. */
  rooms(): string[] {
    return [...this.#channels.keys()];
  }

  /** A local client's join is about to run; subscribes first when the node has no channel yet. */
  beginJoin(room: string, clientId: ClientId): void {
    let channel = this.#channels.get(room);
    if (channel === undefined) {
      channel = { status: 'idle', pending: new Map(), buffer: [], awaiting: -1 };
      this.#channels.set(room, channel);
      this.sink.subscribe(room);
    }
    channel.pending.set(clientId, { snapshot: undefined, seen: false });
  }

  /** The join script accepted the join and returned the room as it was just before it. */
  joined(room: string, clientId: ClientId, snapshot: RoomSnapshot): void {
    const channel = this.#channels.get(room);
    const join = channel?.pending.get(clientId);
    if (channel === undefined || join === undefined) return;
    if (channel.status === 'awaiting-snapshot' && channel.awaiting === clientId) {
      channel.pending.delete(clientId);
      channel.status = 'live';
      this.sink.feed({ type: 'room-snapshot', room, ...snapshot });
      const buffered = channel.buffer;
      channel.buffer = [];
      for (const event of buffered) this.event(room, event);
      return;
    }
    if (join.seen) channel.pending.delete(clientId);
    else join.snapshot = snapshot;
  }

  /** The join script refused the join (or failed): no event will come for it. */
  refused(room: string, clientId: ClientId): void {
    const channel = this.#channels.get(room);
    if (channel === undefined) return;
    channel.pending.delete(clientId);
    this.#release(room, channel);
  }

  /** The next event of a room's channel. */
  event(room: string, event: RoomEvent): void {
    const channel = this.#channels.get(room);
    if (channel === undefined) return;
    if (channel.status === 'awaiting-snapshot') {
      channel.buffer.push(event);
      return;
    }
    // A session moving here (§10) starts a replica at its `move` event as a joiner at its join.
    const starts = event.kind === 'join' || event.kind === 'move';
    const join = starts ? channel.pending.get(event.clientId) : undefined;
    if (channel.status === 'live') {
      if (join !== undefined) {
        if (join.snapshot !== undefined) channel.pending.delete(event.clientId);
        else join.seen = true;
      }
      this.sink.feed({ type: 'room-event', room, event });
      return;
    }
    // Idle: only a pending joiner's own join starts a replica; earlier events are not ours.
    if (join === undefined) return;
    if (join.snapshot === undefined) {
      channel.status = 'awaiting-snapshot';
      channel.awaiting = event.clientId;
      channel.buffer = [event];
      return;
    }
    channel.pending.delete(event.clientId);
    channel.status = 'live';
    this.sink.feed({ type: 'room-snapshot', room, ...join.snapshot });
    this.sink.feed({ type: 'room-event', room, event });
  }

  /** The core dropped its replica: no local member is left. */
  unwatch(room: string): void {
    const channel = this.#channels.get(room);
    if (channel === undefined || channel.status !== 'live') return;
    channel.status = 'idle';
    // Joins whose events already went by were applied (and left again): forget them.
    for (const [clientId, join] of channel.pending) if (join.seen) channel.pending.delete(clientId);
    this.#release(room, channel);
  }

  /** Forgets every channel (the backplane link broke; the subscriptions are gone with it). */
  clear(): void {
    this.#channels.clear();
  }

  #release(room: string, channel: Channel): void {
    if (channel.status !== 'idle' || channel.pending.size > 0) return;
    this.#channels.delete(room);
    this.sink.unsubscribe(room);
  }
}
