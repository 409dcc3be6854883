import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ERROR_CODES } from '../../src/protocol/error-codes.js';
import { parseCommand } from '../../src/protocol/parse-command.js';
import { parseDatagram } from '../../src/protocol/parse-datagram.js';
import { CoreFuzzer, FUZZ_SETUP, latin1, type FuzzStep } from '../helpers/core-fuzz.js';
import { assertChunkingInvariant } from '../helpers/decode-lines.js';
import { COMMANDS, DATAGRAMS, mutatedCommands, parserInputs } from '../helpers/fuzz-inputs.js';

const line = fc.oneof(
  { arbitrary: mutatedCommands(COMMANDS), weight: 4 },
  { arbitrary: fc.constantFrom(...COMMANDS), weight: 3 },
  parserInputs(['0', '2', '3', ':', '-1', 'g', '\r', '\u00ff']).map((b) => b.toString('latin1')),
);
const conn = fc.integer({ min: 1, max: 6 });
const step: fc.Arbitrary<FuzzStep> = fc.oneof(
  { arbitrary: fc.tuple(fc.constant('line' as const), conn, line), weight: 8 },
  { arbitrary: fc.tuple(fc.constant('connect' as const), conn, fc.nat(1)), weight: 2 },
  { arbitrary: fc.tuple(fc.constant('auth' as const), conn, fc.boolean()), weight: 2 },
  fc.tuple(fc.constant('disconnect' as const), conn),
  {
    arbitrary: fc.tuple(
      fc.constant('datagram' as const),
      fc.nat(1),
      fc.constantFrom(7000, 7001),
      fc.oneof(mutatedCommands(DATAGRAMS), fc.constantFrom(...DATAGRAMS)),
    ),
    weight: 2,
  },
  {
    arbitrary: fc.tuple(fc.constant('tick' as const), fc.integer({ min: 0, max: 700 })),
    weight: 2,
  },
  fc.tuple(fc.constant('kick' as const), fc.integer({ min: 1, max: 8 })),
  fc.tuple(fc.constant('close-room' as const), fc.constantFrom('room', 'a', 'b')),
);
/** Runs of steps that a single random step rarely makes: a flood over seconds, failed logins. */
const steps: fc.Arbitrary<FuzzStep[]> = fc
  .array(
    fc.oneof(
      { arbitrary: step.map((one) => [one]), weight: 20 },
      fc
        .tuple(conn, line)
        .map(([c, text]) =>
          Array.from({ length: 3 }, (): FuzzStep[] => [
            ...Array.from({ length: 12 }, (): FuzzStep => ['line', c, text]),
            ['tick', 1000],
          ]).flat(),
        ),
      conn.map((c) =>
        Array.from({ length: 2 }, (): FuzzStep[] => [
          ['line', c, '0:who:wrong'],
          ['auth', c, false],
        ]).flat(),
      ),
    ),
    { maxLength: 40, size: 'max' },
  )
  .map((groups) => groups.flat());
describe('fuzzing hostile input', () => {
  it('decodes any input split at every offset, or byte by byte, like one chunk', () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 48 }).map((array) => Buffer.from(array)),
      fc.array(line, { maxLength: 4 }).map((lines) => latin1(lines.join('\n'))),
      fc.array(fc.constantFrom(0x61, 0x0a, 0x0d, 0xc3), { maxLength: 40 }).map(Buffer.from),
    );
    fc.assert(
      fc.property(input, fc.integer({ min: 1, max: 12 }), (data, limit) =>
        assertChunkingInvariant(data, limit),
      ),
      { numRuns: 300 },
    );
  });

  it('never throws parsing near-valid commands and datagrams, and answers known codes', () => {
    fc.assert(
      fc.property(mutatedCommands([...COMMANDS, ...DATAGRAMS]), (text) => {
        const command = parseCommand(latin1(text));
        if (command.type === 'error') assert.ok(command.code in ERROR_CODES, command.code);
        const datagram = parseDatagram(latin1(text));
        assert.ok(['bind', 'message', 'group-message', 'invalid'].includes(datagram.type));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws in the core and keeps every invariant after every random step', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(steps, (sequence) => {
        const fuzzer = new CoreFuzzer();
        for (const s of [...FUZZ_SETUP, ...sequence]) {
          fuzzer.apply(s);
          for (const effect of fuzzer.core.effects) {
            const kind =
              effect.type === 'event'
                ? effect.event.kind
                : effect.type === 'close'
                  ? `close:${effect.code}`
                  : effect.type;
            seen.set(kind, (seen.get(kind) ?? 0) + 1);
          }
        }
      }),
      { numRuns: 300 },
    );
    // Guards against generators that never reach the interesting states.
    for (const kind of ['join', 'leave', 'udp-bound', 'kicked', 'room-closed', 'datagram']) {
      assert.ok((seen.get(kind) ?? 0) > 20, `${kind}: ${JSON.stringify([...seen])}`);
    }
    for (const code of ['login_timeout', 'rate_limit_exceeded', 'too_many_auth_failures']) {
      assert.ok((seen.get(`close:${code}`) ?? 0) > 0, `${code}: ${JSON.stringify([...seen])}`);
    }
  });
});
