import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ERROR_CODES, type ErrorCode } from '../../src/protocol/error-codes.js';
import { CoreHarness } from '../helpers/core-harness.js';

const NUM_RUNS = 200;
const CONNS = [1, 2, 3, 4, 5, 6];
const MAX_AUTH_FAILURES = 3;

const KINDS = {
  connect: 2,
  login: 3,
  join: 6,
  leave: 2,
  disconnect: 1,
  message: 5,
  'set-group': 2,
  'group-message': 3,
  list: 1,
} as const;
type Kind = keyof typeof KINDS;

/** One client action; fields a kind does not use are ignored. */
interface Step {
  readonly kind: Kind;
  readonly conn: number;
  readonly accepted: boolean;
  readonly room: string;
  readonly password: string;
  readonly mode: number;
  readonly payload: string;
  readonly group: string;
  readonly ids: readonly number[];
}

const conn = fc.constantFrom(...CONNS);
const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.oneof(
    ...Object.entries(KINDS).map(([kind, weight]) => ({
      arbitrary: fc.constant(kind as Kind),
      weight,
    })),
  ),
  conn,
  accepted: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, fc.constant(false)),
  room: fc.constantFrom('a', 'a', 'b', 'c'),
  password: fc.constantFrom('', '', '', 'p', 'q'),
  mode: fc.integer({ min: 0, max: 3 }),
  payload: fc.string({ maxLength: 6 }),
  group: fc.constantFrom('g', 'h'),
  ids: fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 4 }),
});

/** A populated start (most connections logged in and in a room), then random steps. */
const scenario: fc.Arbitrary<Step[]> = fc
  .tuple(
    fc.shuffledSubarray(CONNS, { minLength: 3 }),
    fc.array(step, { minLength: 1, maxLength: 50, size: 'max' }),
    step,
  )
  .map(([setup, steps, base]) => [
    ...setup.flatMap((c): Step[] => [
      { ...base, kind: 'connect', conn: c },
      { ...base, kind: 'login', conn: c, accepted: true },
      { ...base, kind: 'join', conn: c, room: c % 2 === 0 ? 'a' : 'b', password: '' },
    ]),
    ...steps,
  ]);

interface ModelConn {
  clientId: number | undefined;
  failures: number;
  room: string | undefined;
  readonly groups: Map<string, number[]>;
}

/** An independent model of the protocol: what every connection must receive, per step. */
class Model {
  readonly conns = new Map<number, ModelConn>();
  /** Rooms in creation order, members in join order (oldest first). */
  readonly rooms = new Map<string, { password: string; members: number[] }>();
  out: [number, string][] = [];
  closes: number[] = [];
  #nextId = 1;

  apply(s: Step): void {
    this.out = [];
    this.closes = [];
    const state = this.conns.get(s.conn);
    if (s.kind === 'connect') {
      if (state !== undefined) return;
      this.conns.set(s.conn, {
        clientId: undefined,
        failures: 0,
        room: undefined,
        groups: new Map(),
      });
      return;
    }
    if (state === undefined) return;
    if (s.kind === 'disconnect') {
      this.#leave(s.conn, false);
      this.conns.delete(s.conn);
      return;
    }
    const clientId = state.clientId;
    if (s.kind === 'login') {
      if (clientId !== undefined) return this.#error(s.conn, 'already_logged_in');
      if (s.accepted) {
        state.clientId = this.#nextId++;
        this.out.push([s.conn, `0:${state.clientId}`]);
        return;
      }
      state.failures += 1;
      this.#error(s.conn, 'auth_failed');
      if (state.failures < MAX_AUTH_FAILURES) return;
      this.#error(s.conn, 'too_many_auth_failures');
      this.closes.push(s.conn);
      this.conns.delete(s.conn);
      return;
    }
    if (clientId === undefined) return this.#error(s.conn, 'not_logged_in');
    switch (s.kind) {
      case 'join': {
        if (state.room === s.room) return;
        const room = this.rooms.get(s.room);
        if (room !== undefined && room.password !== '' && room.password !== s.password) {
          return this.#error(s.conn, 'wrong_room_password');
        }
        this.#leave(s.conn, true);
        const entered = room ?? { password: s.password, members: [] };
        this.rooms.set(s.room, entered);
        entered.members.push(clientId);
        state.room = s.room;
        this.#tell(entered.members, `2:${clientId}:${s.room}`);
        for (const member of entered.members.slice(0, -1)) {
          this.out.push([s.conn, `2:${member}:${s.room}`]);
        }
        this.out.push([s.conn, `4:${entered.members[0]}`]);
        return;
      }
      case 'leave':
        if (state.room === undefined) return this.#error(s.conn, 'not_in_room');
        return this.#leave(s.conn, true);
      case 'message': {
        if (state.room === undefined) return this.#error(s.conn, 'not_in_room');
        const members = this.rooms.get(state.room)?.members ?? [];
        const others = members.filter((member) => member !== clientId);
        this.#tell(s.mode === 0 || s.mode === 2 ? others : members, `3:${clientId}:${s.payload}`);
        return;
      }
      case 'set-group':
        if (s.ids.length === 0) state.groups.delete(s.group);
        else state.groups.set(s.group, [...new Set(s.ids)]);
        return;
      case 'group-message': {
        const named = state.groups.get(s.group);
        if (named === undefined) return this.#error(s.conn, 'unknown_group');
        const live = named.filter((member) => this.#connOf(member) !== undefined);
        this.#tell(live, `3:${clientId}:${s.payload}`);
        return;
      }
      case 'list': {
        const entries = [...this.rooms]
          .filter(([, room]) => room.password === '' || room.password === s.password)
          .map(([name, room]) => `${name}-${room.members.length}`);
        this.out.push([s.conn, `1:${entries.join(',')}`]);
        return;
      }
    }
  }

  #leave(connId: number, notifyLeaver: boolean): void {
    const state = this.conns.get(connId) as ModelConn;
    const name = state.room;
    if (name === undefined) return;
    const room = this.rooms.get(name) as { password: string; members: number[] };
    const index = room.members.indexOf(state.clientId as number);
    room.members.splice(index, 1);
    state.room = undefined;
    this.#tell(room.members, `2:${state.clientId}:`);
    if (notifyLeaver) this.out.push([connId, `2:${state.clientId}:`]);
    // The new master is the member present longest: the first in join order.
    if (index === 0 && room.members.length > 0) this.#tell(room.members, `4:${room.members[0]}`);
    if (room.members.length === 0) this.rooms.delete(name);
  }

  #error(connId: number, code: ErrorCode): void {
    this.out.push([connId, `9:${code}:${ERROR_CODES[code].reason}`]);
  }

  #connOf(clientId: number): number | undefined {
    for (const [connId, state] of this.conns) if (state.clientId === clientId) return connId;
    return undefined;
  }

  #tell(members: readonly number[], line: string): void {
    for (const clientId of members) this.out.push([this.#connOf(clientId) as number, line]);
  }
}

/** Drives the relay with one step, as a client and the server would. */
function drive(core: CoreHarness, s: Step): void {
  const send = (text: string): void => core.send(s.conn, text);
  switch (s.kind) {
    case 'connect':
      if (core.relay.sessions().every((session) => session.connId !== s.conn)) core.connect(s.conn);
      return;
    case 'disconnect':
      return core.disconnect(s.conn);
    case 'login':
      send(`0:user${s.conn}:pw`);
      if (core.awaitingAuth(s.conn)) core.answerAuth(s.conn, s.accepted);
      return;
    case 'join':
      return send(s.password === '' ? `2:${s.room}` : `2:${s.room}:${s.password}`);
    case 'leave':
      return send('2:-1');
    case 'message':
      return send(`3:${s.mode}:${s.payload}`);
    case 'set-group':
      return send([`5:${s.group}`, ...s.ids].join(':'));
    case 'group-message':
      return send(`4:${s.group}:${s.payload}`);
    case 'list':
      return send(s.password === '' ? '1' : `1:${s.password}`);
  }
}

/** Lines per connection, in the order each received them. */
function perConnection(deliveries: readonly (readonly [number, string])[]): Map<number, string[]> {
  const byConn = new Map<number, string[]>();
  for (const [connId, line] of deliveries)
    byConn.set(connId, [...(byConn.get(connId) ?? []), line]);
  return byConn;
}

/** Invariants of any state, read from the relay's own snapshots. */
function checkStructure(core: CoreHarness): void {
  const implied = new Map<string, number[]>();
  for (const session of core.relay.sessions()) {
    if (session.room === undefined) continue;
    assert.notEqual(session.clientId, undefined, 'only logged-in clients are in rooms');
    implied.set(session.room, [...(implied.get(session.room) ?? []), session.clientId as number]);
  }
  const listed = new Map<string, number[]>();
  for (const room of core.relay.rooms()) {
    assert.ok(room.memberIds.length > 0, `room ${room.name} is empty but alive`);
    assert.equal(room.masterId, room.memberIds[0], `room ${room.name}: the master is the oldest`);
    listed.set(
      room.name,
      [...room.memberIds].sort((a, b) => a - b),
    );
  }
  for (const ids of implied.values()) ids.sort((a, b) => a - b);
  assert.deepEqual(listed, implied, 'the room list matches the sessions’ rooms');
}

describe('relay properties', () => {
  it('matches a model of rooms, masters, messages and groups after every step', () => {
    const seen = { relayed: 0, masterChanges: 0 };
    fc.assert(
      fc.property(scenario, (steps) => {
        const core = new CoreHarness({ maxAuthFailures: MAX_AUTH_FAILURES });
        const model = new Model();
        for (const s of steps) {
          core.reset();
          drive(core, s);
          model.apply(s);
          checkStructure(core);
          const actual = core.deliveries().map(({ connId, line }) => [connId, line] as const);
          assert.deepEqual(perConnection(actual), perConnection(model.out), JSON.stringify(s));
          if (s.kind === 'message') {
            // Nobody hears a room message from a room they are not in.
            const room = model.conns.get(s.conn)?.room;
            for (const [connId] of actual) assert.equal(model.conns.get(connId)?.room, room);
            if (room !== undefined) seen.relayed += 1;
          }
          if (s.kind === 'leave' && actual.some(([, line]) => line.startsWith('4:'))) {
            seen.masterChanges += 1;
          }
          const closes = core.effects.flatMap((e) => (e.type === 'close' ? [e.connId] : []));
          assert.deepEqual(closes, model.closes);
          assert.deepEqual(
            core.relay.rooms().map((room) => [room.name, room.memberIds, room.isPrivate]),
            [...model.rooms].map(([name, room]) => [name, room.members, room.password !== '']),
          );
          assert.deepEqual(
            core.relay
              .sessions()
              .map((session) => [session.connId, session.clientId, session.room]),
            [...model.conns].map(([connId, state]) => [connId, state.clientId, state.room]),
          );
        }
      }),
      { numRuns: NUM_RUNS },
    );
    // Guards against a generator that never reaches the interesting states.
    assert.ok(seen.relayed > 100 && seen.masterChanges > 10, JSON.stringify(seen));
  });

  it('never throws and keeps its invariants on arbitrary lines, datagrams and login answers', () => {
    const line = fc.oneof(
      fc.constantFrom('0:a:b', '0::', '1', '2:a', '2:b:p', '2:-1', '3:0:x', '3:1:y', '4:g:z'),
      fc.constantFrom('5:g:1:2:3', '5:g', '0:x'),
      fc.uint8Array({ maxLength: 16 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ maxLength: 12 }),
    );
    const datagram = fc.oneof(line, fc.constantFrom('0:1', '1:0:x', '1:3:1:a', '2:4:g:b'));
    const from = fc.record({ ip: fc.constantFrom('10.0.0.1', '10.0.0.2'), port: fc.nat(2) });
    const input = fc.oneof(
      fc.record({ kind: fc.constant('line' as const), conn, line }),
      fc.record({ kind: fc.constant('auth' as const), conn, accepted: fc.boolean() }),
      fc.record({ kind: fc.constant('connect' as const), conn }),
      fc.record({ kind: fc.constant('disconnect' as const), conn }),
      fc.record({ kind: fc.constant('datagram' as const), from, data: datagram }),
    );
    fc.assert(
      fc.property(fc.array(input, { maxLength: 40, size: 'max' }), (inputs) => {
        const core = new CoreHarness({ maxPendingCommands: 4 });
        for (const item of inputs) {
          if (item.kind === 'line') core.send(item.conn, item.line);
          else if (item.kind === 'datagram') core.datagram(item.from, item.data);
          else if (item.kind === 'disconnect') core.disconnect(item.conn);
          else if (item.kind === 'auth') {
            if (core.awaitingAuth(item.conn)) core.answerAuth(item.conn, item.accepted);
          } else if (core.relay.sessions().every((session) => session.connId !== item.conn)) {
            core.connect(item.conn, `10.0.0.${1 + (item.conn % 2)}`);
          }
          checkStructure(core);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
