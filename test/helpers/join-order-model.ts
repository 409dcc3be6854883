/**
 * A reference model of each room's join order (protocol section 4), built from nothing but the
 * lines the test's own clients received: a joiner is told the members already there, oldest
 * first, then the master; later it sees each join (appended) and each leave (removed), and each
 * new master. The relay's snapshots (member order and master) are checked against this model, so
 * a relay that keeps its members in the wrong order, or names the wrong master, fails the check.
 */
import assert from 'node:assert/strict';
import type { RoomSnapshot } from '../../src/core/relay.js';

/** One client's idea of its room, from the lines it received. */
export interface MemberView {
  /** From its `0:<id>` line; undefined before the login was accepted. */
  readonly clientId: number | undefined;
  readonly room: string | undefined;
  /** The room's members, oldest first, as this client was told. */
  readonly members: readonly number[];
  /** The last `4:<masterId>` it received in this room. */
  readonly master: number | undefined;
  /** Lines that break section 4 (a leave of a non-member, a join sequence out of order...). */
  readonly anomalies: readonly string[];
}

/** Follows one client's lines, one at a time (see the file's comment). */
export class MemberViewBuilder implements MemberView {
  clientId: number | undefined;
  room: string | undefined;
  members: number[] = [];
  master: number | undefined;
  readonly anomalies: string[] = [];
  /** Between its own `2:<id>:<room>` and the `4:` that ends its join sequence. */
  #joining = false;

  observe(line: string): void {
    const login = /^0:(\d+)(?::[\w-]+)?$/.exec(line);
    if (login !== null) {
      if (this.clientId === undefined) this.clientId = Number(login[1]);
      else this.anomalies.push(`a second login answer: ${line}`);
      return;
    }
    const master = /^4:(\d+)$/.exec(line);
    if (master !== null) return this.#master(Number(master[1]), line);
    const change = /^2:(\d+):(.*)$/.exec(line);
    if (change === null) return;
    const [, id, room] = change as unknown as [string, string, string];
    if (room === '') this.#left(Number(id), line);
    else this.#joined(Number(id), room, line);
  }

  #joined(clientId: number, room: string, line: string): void {
    if (clientId === this.clientId) {
      if (this.room !== undefined) this.anomalies.push(`joined ${room} while in ${this.room}`);
      this.room = room;
      this.members = [clientId];
      this.master = undefined;
      this.#joining = true;
      return;
    }
    if (room !== this.room || this.members.includes(clientId)) {
      this.anomalies.push(`${line} while in ${String(this.room)} with [${this.members.join()}]`);
      return;
    }
    // 4.3: during its own join sequence, the members already there (oldest first) come before it.
    if (this.#joining) this.members.splice(this.members.length - 1, 0, clientId);
    else this.members.push(clientId);
  }

  #left(clientId: number, line: string): void {
    if (clientId === this.clientId) {
      if (this.room === undefined) this.anomalies.push(`${line} while in no room`);
      this.room = undefined;
      this.members = [];
      this.master = undefined;
      this.#joining = false;
      return;
    }
    if (this.#joining || !this.members.includes(clientId)) {
      this.anomalies.push(`${line} in ${String(this.room)} with [${this.members.join()}]`);
      return;
    }
    this.members = this.members.filter((member) => member !== clientId);
  }

  #master(masterId: number, line: string): void {
    if (this.room === undefined || !this.members.includes(masterId)) {
      this.anomalies.push(`${line} in ${String(this.room)} with [${this.members.join()}]`);
    }
    this.master = masterId;
    this.#joining = false;
  }
}

/** Replays every line a client received. */
export function viewOf(lines: Iterable<string>): MemberView {
  const view = new MemberViewBuilder();
  for (const line of lines) view.observe(line);
  return view;
}

/** What the model says of one room: its members in join order, and its master. */
export interface ExpectedRoom {
  readonly members: readonly number[];
  readonly master: number;
}

/**
 * The rooms as the clients were told them. Every client in a room must have been told the same
 * members in the same order and the same master, the oldest member (section 4); a client's own
 * lines must break no rule of section 4. Rooms that no observing client is in may be given as
 * `known` (ids in join order), e.g. the control group's room, whose members joined one by one
 * before anything else happened there; known members are also the oldest of an observed room.
 */
export class JoinOrderModel {
  readonly rooms = new Map<string, ExpectedRoom>();
  /** The observers' views, by client id. */
  readonly views = new Map<number, MemberView>();

  constructor(
    views: Iterable<MemberView>,
    known: ReadonlyMap<string, readonly number[]> = new Map(),
  ) {
    for (const view of views) {
      const who = `client ${String(view.clientId)}`;
      assert.deepEqual(view.anomalies, [], `${who}: its lines break section 4`);
      if (view.clientId === undefined) continue;
      this.views.set(view.clientId, view);
      if (view.room === undefined) continue;
      assert.ok(view.members.includes(view.clientId), `${who} is not among its room's members`);
      assert.equal(view.master, view.members[0], `${who}: told a master who is not the oldest`);
      const told = { members: view.members, master: view.master as number };
      const other = this.rooms.get(view.room);
      if (other === undefined) this.rooms.set(view.room, told);
      else assert.deepEqual(told, other, `room ${view.room}: ${who} was told otherwise`);
    }
    for (const [room, members] of known) {
      const observed = this.rooms.get(room);
      if (observed === undefined && members.length > 0) {
        this.rooms.set(room, { members, master: members[0] as number });
      } else if (observed !== undefined) {
        const oldest = observed.members.slice(0, members.length);
        assert.deepEqual(oldest, members, `room ${room}: its known members are not the oldest`);
      }
    }
  }

  /**
   * Fails unless every room of a relay's snapshot is in the model with the same members in the
   * same order and the same master. With `complete`, the snapshot must also hold every room of
   * the model (a single server; a cluster node holds only the rooms of its own clients).
   */
  assertSnapshot(rooms: readonly RoomSnapshot[], where: string, complete = false): void {
    for (const { name, memberIds, masterId } of rooms) {
      const expected = this.rooms.get(name);
      assert.ok(
        expected !== undefined,
        `${where}: room ${name} [${memberIds.join()}] has no member the test knows of`,
      );
      assert.deepEqual(
        memberIds,
        expected.members,
        `${where}: room ${name}, members in join order`,
      );
      assert.equal(masterId, expected.master, `${where}: room ${name}, its master`);
    }
    if (!complete) return;
    const held = new Set(rooms.map((room) => room.name));
    for (const name of this.rooms.keys()) assert.ok(held.has(name), `${where}: no room ${name}`);
  }
}
