/** What the client knows of the room it is in, from the server's lines (protocol section 4). */
export interface RoomView {
  readonly name: string;
  /** Client ids, the one present longest first. */
  readonly members: readonly number[];
  /** Undefined only while the join's answer is still arriving. */
  readonly masterId: number | undefined;
}

/** The room as `join()` resolves to it: the master is known by then. */
export interface JoinedRoom extends RoomView {
  readonly masterId: number;
}

/** The room a client is in, kept up to date from `2:` and `4:` lines. */
export class RoomState implements RoomView {
  readonly members: number[];
  masterId: number | undefined;
  /** True between the client's own `2:<me>:<room>` and the `4:` that ends the join's answer. */
  listing = true;

  constructor(
    readonly name: string,
    selfId: number,
  ) {
    this.members = [selfId];
  }

  /** A member listed by the join's answer (older than the joiner) or one joining later. */
  add(clientId: number): void {
    if (this.members.includes(clientId)) return;
    // Section 4: members already there are listed oldest first, right after the joiner itself.
    if (this.listing) this.members.splice(this.members.length - 1, 0, clientId);
    else this.members.push(clientId);
  }

  remove(clientId: number): boolean {
    const index = this.members.indexOf(clientId);
    if (index === -1) return false;
    this.members.splice(index, 1);
    return true;
  }

  /** A copy that later lines do not change. */
  snapshot(): RoomView {
    return { name: this.name, members: [...this.members], masterId: this.masterId };
  }
}

/** A server line about room membership (protocol section 3, types 2 and 4). */
export type RoomEvent =
  | { readonly type: 'joined'; readonly clientId: number; readonly room: string }
  | { readonly type: 'left'; readonly clientId: number }
  | { readonly type: 'master'; readonly masterId: number };

/** What a room event changed, as the client announces it. */
export type RoomChange =
  | {
      readonly event: 'joined';
      readonly value: { clientId: number; room: string; self: boolean; existing: boolean };
    }
  | { readonly event: 'left'; readonly value: { clientId: number; room: string; self: boolean } }
  | { readonly event: 'master'; readonly value: { masterId: number; room: string } };

/** The room the client is in, if any, following the server's `2:` and `4:` lines. */
export class RoomTracker {
  room: RoomState | undefined;

  /** Applies one line; returns what changed, or undefined if it was about no room of ours. */
  apply(event: RoomEvent, me: number | undefined): RoomChange | undefined {
    const room = this.room;
    switch (event.type) {
      case 'joined': {
        const self = event.clientId === me;
        if (self) this.room = new RoomState(event.room, event.clientId);
        else if (room?.name === event.room) room.add(event.clientId);
        else return undefined;
        const existing = !self && room?.listing === true;
        return {
          event: 'joined',
          value: { clientId: event.clientId, room: event.room, self, existing },
        };
      }
      case 'left': {
        const self = event.clientId === me;
        if (room === undefined || (!self && !room.remove(event.clientId))) return undefined;
        if (self) this.room = undefined;
        return { event: 'left', value: { clientId: event.clientId, room: room.name, self } };
      }
      case 'master':
        if (room === undefined) return undefined;
        room.masterId = event.masterId;
        room.listing = false;
        return { event: 'master', value: { masterId: event.masterId, room: room.name } };
    }
  }
}
