import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ChunkPool, LineLog } from '../../src/core/resume-log.js';

/** Line number `seq` as a distinct Buffer of `size` bytes. */
function line(seq: number, size: number): Buffer {
  const text = `${seq}:`.padEnd(Math.max(size, String(seq).length + 1), 'x');
  return Buffer.from(text);
}

/** One step of a log's life: a line written (of `size` bytes, or these `bytes`), an ack, a read. */
type Step =
  | { readonly kind: 'write'; readonly size?: number; readonly bytes?: Uint8Array }
  | { readonly kind: 'ack' | 'read'; readonly back: number };

/** Steps writing lines from `write`, acknowledging up to `ackBack` and reading up to `readBack` lines back. */
function steps(write: fc.Arbitrary<Step>, ackBack: number, readBack: number): fc.Arbitrary<Step> {
  return fc.oneof(
    write,
    fc.record({ kind: fc.constant('ack' as const), back: fc.nat(ackBack) }),
    fc.record({ kind: fc.constant('read' as const), back: fc.nat(readBack) }),
  );
}

/** Plays one step on `log` and on `sent`, the plain list it must match; checks a read's replay. */
function play(log: LineLog, sent: Buffer[], step: Step, limit: number): void {
  if (step.kind === 'write') {
    const data =
      step.bytes === undefined ? line(sent.length + 1, step.size ?? 1) : Buffer.from(step.bytes);
    sent.push(data);
    log.record(data, limit);
  } else if (step.kind === 'ack') {
    log.acknowledge(Math.max(0, sent.length - step.back));
  } else {
    const received = Math.max(0, sent.length - step.back);
    const replay = log.after(received);
    if (received + 1 >= log.firstSeq) assert.deepEqual(replay, sent.slice(received));
    else assert.equal(replay, undefined);
  }
}

describe('the resume log: which lines a resume replays', () => {
  it('replays exactly the lines after any cut point still held, for any sizes and limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 0, maxLength: 120 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.nat(),
        (sizes, limit, cutSeed) => {
          const log = new LineLog();
          const sent = sizes.map((size, index) => line(index + 1, size));
          for (const data of sent) log.record(data, limit);
          const received = sent.length === 0 ? 0 : cutSeed % (sent.length + 1);
          const replay = log.after(received);
          const held = sent.slice(log.firstSeq - 1);
          // What is held is the newest lines, within the limit (unless one line alone is bigger).
          const heldBytes = held.reduce((sum, data) => sum + data.length, 0);
          assert.ok(heldBytes <= limit || held.length <= 1 || log.overflowed);
          if (received + 1 >= log.firstSeq) {
            assert.deepEqual(replay, sent.slice(received));
          } else {
            assert.equal(replay, undefined, 'a cut before the oldest held line is a gap');
          }
        },
      ),
    );
  });

  it('forgets what is acknowledged, never a line written while away, and replays the rest', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 200 }),
        fc.nat(),
        fc.nat(),
        (sizes, ackSeed, cutSeed) => {
          const log = new LineLog();
          const sent = sizes.map((size, index) => line(index + 1, size));
          for (const data of sent) log.record(data, 1 << 20);
          const acked = ackSeed % (sent.length + 1);
          log.acknowledge(acked);
          assert.equal(log.firstSeq, acked + 1);
          assert.equal(log.nextSeq, sent.length + 1);
          log.holdFromNow();
          log.acknowledge(sent.length);
          assert.equal(log.firstSeq, acked + 1, 'an away session forgets nothing');
          const received = cutSeed % (sent.length + 1);
          const replay = log.after(received);
          if (received >= acked) assert.deepEqual(replay, sent.slice(received));
          else assert.equal(replay, undefined, 'acknowledged lines are a gap');
        },
      ),
    );
  });

  it('matches a plain list through any mix of writes, acknowledgements and reads, wrapping and growing', () => {
    const write = fc.record({
      kind: fc.constant('write' as const),
      size: fc.integer({ min: 1, max: 300 }),
    });
    fc.assert(
      fc.property(
        fc.array(steps(write, 20, 40), { maxLength: 400 }),
        fc.integer({ min: 50, max: 5000 }),
        (ops, limit) => {
          const log = new LineLog();
          const sent: Buffer[] = [];
          for (const step of ops) {
            play(log, sent, step, limit);
            assert.equal(log.nextSeq, sent.length + 1);
            const held = sent.slice(log.firstSeq - 1);
            assert.deepEqual(log.held().lines, held);
            assert.ok(held.reduce((sum, data) => sum + data.length, 0) <= limit);
          }
        },
      ),
    );
  });

  it('replays copies: lines written after a replay do not change it', () => {
    const log = new LineLog();
    const sent = Array.from({ length: 50 }, (_, index) => line(index + 1, 30));
    for (const data of sent) log.record(data, 600);
    const replay = log.after(40);
    for (let seq = 51; seq <= 200; seq += 1) log.record(line(seq, 30), 600);
    assert.deepEqual(replay, sent.slice(40));
  });

  it('refuses a count of lines that were never sent', () => {
    const log = new LineLog();
    log.record(line(1, 4), 100);
    assert.deepEqual(log.after(1), []);
    assert.equal(log.after(2), undefined);
  });

  it('keeps every line written while away, and overflows instead of dropping one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 600 }),
        (before, during, limit) => {
          const log = new LineLog();
          let seq = 0;
          const sent: Buffer[] = [];
          for (const size of before) sent.push(line(++seq, size));
          for (const data of sent) log.record(data, limit);
          const brokeAt = seq;
          log.holdFromNow();
          let heldBytes = 0;
          for (const size of during) {
            const data = line(++seq, size);
            sent.push(data);
            heldBytes += log.overflowed ? 0 : log.record(data, limit);
          }
          const duringBytes = sent.slice(brokeAt).reduce((sum, data) => sum + data.length, 0);
          if (duringBytes > limit) {
            assert.ok(log.overflowed, 'the held lines passed the limit');
            assert.equal(log.after(brokeAt), undefined);
          } else {
            assert.equal(heldBytes, duringBytes);
            assert.equal(log.heldBytes, duringBytes);
            assert.deepEqual(log.after(brokeAt), sent.slice(brokeAt));
          }
        },
      ),
    );
  });

  it('stays correct across its compactions, over many lines', () => {
    const log = new LineLog();
    const sent: Buffer[] = [];
    for (let seq = 1; seq <= 5000; seq += 1) {
      const data = line(seq, 10);
      sent.push(data);
      log.record(data, 1000);
    }
    assert.equal(log.nextSeq, 5001);
    assert.equal(log.firstSeq, 5001 - 100);
    assert.deepEqual(log.after(4950), sent.slice(4950));
    assert.equal(log.after(4899), undefined);
  });

  it('replays lines larger than its chunks exactly, while ended logs hand their chunks on', () => {
    // Random bytes, so a byte left in a reused chunk by another log could not pass for a line.
    const write = fc.record({
      kind: fc.constant('write' as const),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 40_000 }),
    });
    fc.assert(
      fc.property(
        fc.array(steps(write, 6, 12), { maxLength: 60 }),
        fc.integer({ min: 1_000, max: 300_000 }),
        (ops, limit) => {
          const log = new LineLog();
          const sent: Buffer[] = [];
          for (const step of ops) play(log, sent, step, limit);
          assert.deepEqual(log.held().lines, sent.slice(log.firstSeq - 1));
          log.overflow(); // the session ended: its chunks go to the next run's logs
          assert.deepEqual(log.held().lines, []);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('the chunk pool behind the logs', () => {
  it('hands a chunk given back to the next log that asks for its size, up to its limit', () => {
    const pool = new ChunkPool(3 * 1024);
    const first = pool.take(1024);
    const second = pool.take(2048);
    const third = pool.take(1024);
    pool.give(first);
    pool.give(second);
    assert.equal(pool.bytes, 3072);
    pool.give(third); // past the limit: left to the garbage collector
    assert.equal(pool.bytes, 3072);
    assert.equal(pool.take(2048), second);
    assert.equal(pool.take(1024), first);
    assert.notEqual(pool.take(1024), third);
    assert.equal(pool.bytes, 0);
  });
});
