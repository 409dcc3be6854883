import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ERROR_CODES } from '../../src/protocol/error-codes.js';
import { CoreHarness } from '../helpers/core-harness.js';

const IPS = ['10.0.0.1', '10.0.0.2'];
const LIMITS = {
  loginTimeoutMs: 300,
  idleTimeoutMs: 500,
  rateLimitPerSecond: 20,
  rateLimitBurst: 4,
  rateLimitMaxStrikes: 2,
  maxConnectionsPerIp: 3,
};

type Step =
  | { readonly kind: 'connect'; readonly conn: number; readonly ip: number }
  | { readonly kind: 'line'; readonly conn: number; readonly line: string }
  | { readonly kind: 'auth'; readonly conn: number; readonly accepted: boolean }
  | { readonly kind: 'disconnect'; readonly conn: number }
  | { readonly kind: 'datagram'; readonly ip: number; readonly port: number; readonly text: string }
  | { readonly kind: 'tick'; readonly advance: number };

const conn = fc.integer({ min: 1, max: 8 });
const LINES = [
  '0:u:p',
  '1',
  '2:a',
  '2:b',
  '2:-1',
  '3:0:x',
  '3:1:y',
  '8:t',
  '8',
  '5:g:1:2',
  '4:g:z',
  'junk',
];
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('connect' as const), conn, ip: fc.integer({ min: 0, max: 1 }) }),
  {
    arbitrary: fc.record({
      kind: fc.constant('line' as const),
      conn,
      line: fc.constantFrom(...LINES),
    }),
    weight: 6,
  },
  fc.record({ kind: fc.constant('auth' as const), conn, accepted: fc.boolean() }),
  fc.record({ kind: fc.constant('disconnect' as const), conn }),
  fc.record({
    kind: fc.constant('datagram' as const),
    ip: fc.integer({ min: 0, max: 1 }),
    port: fc.constantFrom(7000, 7001),
    text: fc.constantFrom('0:1', '0:2', '1:3:0:d', '2:3:1:d', 'junk'),
  }),
  {
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      advance: fc.integer({ min: 0, max: 400 }),
    }),
    weight: 3,
  },
);

describe('relay properties with deadlines, rate limits and the per-IP cap', () => {
  it('never throws, keeps rooms consistent, and gives every per-IP place back', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const core = new CoreHarness(LIMITS);
        const live = new Set<number>();
        let now = 0;
        for (const s of steps) {
          switch (s.kind) {
            case 'connect':
              if (live.has(s.conn)) continue;
              core.connect(s.conn, IPS[s.ip]);
              live.add(s.conn);
              break;
            case 'line':
              core.send(s.conn, s.line);
              break;
            case 'auth':
              if (core.awaitingAuth(s.conn)) core.answerAuth(s.conn, s.accepted);
              break;
            case 'disconnect':
              core.disconnect(s.conn);
              live.delete(s.conn);
              break;
            case 'datagram':
              core.datagram({ ip: IPS[s.ip] as string, port: s.port }, s.text);
              break;
            case 'tick':
              now += s.advance;
              core.tick(now);
              break;
          }
          const sessions = new Set(core.relay.sessions().map((session) => session.connId));
          for (const connId of [...live]) {
            if (!sessions.has(connId)) live.delete(connId);
          }
          const clients = new Set(core.relay.sessions().map((session) => session.clientId));
          for (const room of core.relay.rooms()) {
            assert.ok(room.memberIds.length > 0, 'no empty room is left');
            assert.equal(room.masterId, room.memberIds[0], 'the master is the oldest member');
            for (const member of room.memberIds) assert.ok(clients.has(member), 'members are live');
          }
        }
        for (const effect of core.effects) {
          if (effect.type === 'close') assert.ok(effect.code in ERROR_CODES);
        }
        // Every place under the per-IP cap comes back once everyone is gone.
        for (const connId of live) core.disconnect(connId);
        core.reset();
        for (let index = 0; index < LIMITS.maxConnectionsPerIp; index += 1) {
          core.connect(100 + index, IPS[0]);
          core.connect(200 + index, IPS[1]);
        }
        assert.deepEqual(
          core.effects.filter((effect) => effect.type === 'close'),
          [],
        );
      }),
      { numRuns: 300 },
    );
  });
});
