/**
 * Drives the relay core with fuzzed steps (lines of any bytes, connects, disconnects, login
 * answers, datagrams, clock ticks, admin kicks and room closes) and checks, after every step,
 * what must always hold. Shared by the fuzz properties and the regression corpus replay.
 */
import assert from 'node:assert/strict';
import type { ClientId, Effect } from '../../src/core/types.js';
import { ERROR_CODES } from '../../src/protocol/error-codes.js';
import { LineDecoder } from '../../src/protocol/line-decoder.js';
import { CoreHarness } from './core-harness.js';
import { JoinOrderModel, MemberViewBuilder } from './join-order-model.js';
import { assertRelayConsistent } from './relay-invariants.js';

/**
 * One step, as stored in the corpus (JSON). Byte strings are Latin-1: each character is one
 * byte, so any bytes, invalid UTF-8 included, fit in JSON.
 */
export type FuzzStep =
  | readonly ['connect', number, number]
  | readonly ['line', number, string]
  | readonly ['auth', number, boolean]
  | readonly ['disconnect', number]
  | readonly ['datagram', number, number, string]
  | readonly ['tick', number]
  | readonly ['kick', number]
  | readonly ['close-room', string];

/** The client IPs a step's `ip` index picks from. */
export const FUZZ_IPS = ['10.0.0.1', '10.0.0.2'] as const;

/** Small limits, so that fuzzed inputs reach them. */
export const FUZZ_LIMITS = {
  maxRooms: 3,
  maxRoomMembers: 3,
  maxGroupsPerClient: 2,
  maxGroupSize: 3,
  maxUsernameLength: 8,
  maxRoomNameLength: 8,
  maxGroupNameLength: 8,
  maxAuthFailures: 2,
  maxPendingCommands: 3,
  maxPendingBytes: 64,
  loginTimeoutMs: 300,
  idleTimeoutMs: 500,
  rateLimitPerSecond: 20,
  rateLimitBurst: 6,
  rateLimitMaxStrikes: 2,
  maxConnectionsPerIp: 4,
};

/** Most connections logged in and in a room first, so that the random steps start deep. */
export const FUZZ_SETUP: readonly FuzzStep[] = [1, 2, 3, 4].flatMap((c): FuzzStep[] => [
  ['connect', c, c % 2],
  ['line', c, `0:u${c}:pw`],
  ['auth', c, true],
  ['line', c, c < 3 ? '2:a' : '2:b'],
  ['datagram', c % 2, 7000 + c, `${c}:0:bind`],
]);

export function latin1(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

const LINE_START = /^\d+(:|$)/;

/** A relay plus the UDP bindings it announced, checked after every step. */
export class CoreFuzzer {
  readonly core = new CoreHarness(FUZZ_LIMITS);
  #now = 0;
  /** The address each client bound last, from the core's `udp-bound` events. */
  readonly #bound = new Map<ClientId, string>();
  /** What each live connection was told of its room, from every line it received. */
  readonly #views = new Map<number, MemberViewBuilder>();

  /** Applies one step and checks every invariant; throws an AssertionError naming the step. */
  apply(step: FuzzStep): void {
    const core = this.core;
    core.reset();
    const live = (conn: number): boolean =>
      core.relay.sessions().some((session) => session.connId === conn);
    switch (step[0]) {
      case 'connect':
        if (!live(step[1])) {
          this.#views.set(step[1], new MemberViewBuilder());
          core.connect(step[1], FUZZ_IPS[step[2] % FUZZ_IPS.length]);
        }
        break;
      case 'line':
        // Through a decoder, as a transport would: a step's text may hold several lines.
        new LineDecoder(1024).push(latin1(`${step[2]}\n`), (line) => core.send(step[1], line));
        break;
      case 'auth':
        if (core.awaitingAuth(step[1])) core.answerAuth(step[1], step[2]);
        break;
      case 'disconnect':
        core.disconnect(step[1]);
        break;
      case 'datagram': {
        const ip = FUZZ_IPS[step[1] % FUZZ_IPS.length] as string;
        core.datagram({ ip, port: step[2] }, latin1(step[3]));
        break;
      }
      case 'tick':
        this.#now += Math.max(0, step[1]);
        core.tick(this.#now);
        break;
      case 'kick':
        core.relay.handle({ type: 'kick', clientId: step[1], reason: 'fuzz' });
        break;
      case 'close-room':
        core.relay.handle({ type: 'close-room', room: step[1], reason: 'fuzz' });
        break;
    }
    this.#check(JSON.stringify(step));
  }

  #check(label: string): void {
    const sessions = this.core.relay.sessions();
    for (const { connId, line } of this.core.deliveries()) this.#views.get(connId)?.observe(line);
    const liveConns = new Set(sessions.map((session) => session.connId));
    for (const connId of [...this.#views.keys()]) {
      if (!liveConns.has(connId)) this.#views.delete(connId);
    }
    const model = new JoinOrderModel(this.#views.values());
    assertRelayConsistent(sessions, this.core.relay.rooms(), model);
    const liveClients = new Set(sessions.map((session) => session.clientId));
    for (const event of this.core.events()) {
      if (event.kind === 'udp-bound') {
        this.#bound.set(event.clientId, `${event.address.ip}:${event.address.port}`);
      }
    }
    for (const clientId of [...this.#bound.keys()]) {
      if (!liveClients.has(clientId)) this.#bound.delete(clientId);
    }
    const bound = new Set(this.#bound.values());
    const closed = new Set<number>();
    for (const effect of this.core.effects) if (effect.type === 'close') closed.add(effect.connId);
    for (const effect of this.core.effects)
      this.#checkEffect(effect, label, liveConns, closed, bound);
  }

  #checkEffect(
    effect: Effect,
    label: string,
    liveConns: ReadonlySet<number>,
    closed: ReadonlySet<number>,
    bound: ReadonlySet<string>,
  ): void {
    const reaches = (connId: number): void =>
      assert.ok(liveConns.has(connId) || closed.has(connId), `${label}: sent to gone ${connId}`);
    switch (effect.type) {
      case 'send':
        reaches(effect.connId);
        assertOneLine(effect.data, label);
        return;
      case 'fanout':
        for (const connId of effect.connIds) if (connId !== effect.exceptConnId) reaches(connId);
        assertOneLine(effect.data, label);
        return;
      case 'datagram':
        // Never to an address that is not bound to a live client: no reflection (section 6).
        assert.ok(bound.has(`${effect.to.ip}:${effect.to.port}`), `${label}: datagram to stranger`);
        return;
      case 'close':
        assert.ok(effect.code in ERROR_CODES, `${label}: unknown close code ${effect.code}`);
        assert.ok(!liveConns.has(effect.connId), `${label}: closed but still a session`);
        return;
      case 'authenticate':
      case 'event':
        return;
    }
  }
}

/** One valid UTF-8 line starting with a message type and ending with its only newline. */
function assertOneLine(data: Buffer, label: string): void {
  const text = data.toString('utf8');
  assert.ok(Buffer.from(text, 'utf8').equals(data), `${label}: output is not valid UTF-8`);
  assert.equal(text.indexOf('\n'), text.length - 1, `${label}: not exactly one line`);
  assert.match(text, LINE_START, `${label}: does not start with a message type`);
}
