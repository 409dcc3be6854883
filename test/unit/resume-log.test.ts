import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ChunkPool } from '../../src/core/line-store.js';
import { LineLog, RoomLines } from '../../src/core/resume-log.js';

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

/** One step of a room's life, for the logs of its members (`who` picks one of them). */
type RoomStep =
  | {
      readonly kind: 'roomcast';
      readonly room: number;
      readonly except: number;
      readonly size: number;
    }
  | { readonly kind: 'own'; readonly who: number; readonly size: number }
  | { readonly kind: 'move'; readonly who: number; readonly room: number }
  | { readonly kind: 'break' | 'reconnect' | 'end'; readonly who: number }
  | { readonly kind: 'ack' | 'read'; readonly who: number; readonly back: number };

const MEMBERS = 4;
const ROOMS = 2;

function roomSteps(maxSize: number): fc.Arbitrary<RoomStep> {
  const who = fc.nat(MEMBERS - 1);
  const size = fc.integer({ min: 1, max: maxSize });
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant('roomcast' as const),
        room: fc.nat(ROOMS - 1),
        // -1: to every member; otherwise the sender, who does not get its own line.
        except: fc.integer({ min: -1, max: MEMBERS - 1 }),
        size,
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('own' as const), who, size }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('move' as const), who, room: fc.nat(ROOMS - 1) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constantFrom('break' as const, 'reconnect' as const, 'end' as const),
        who,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constantFrom('ack' as const, 'read' as const),
        who,
        back: fc.nat(30),
      }),
    },
  );
}

/** A member: its log over the rooms' lines, and a log that copied every line (the reference). */
interface Member {
  shared: LineLog;
  copied: LineLog;
  room: number;
  away: boolean;
  /** The number of the first line written while away. */
  heldFrom: number;
}

function member(room: number): Member {
  return { shared: new LineLog(), copied: new LineLog(), room, away: false, heldFrom: 0 };
}

/** Plays a room step on every member's two logs; a read checks the shared log's replay. */
function playRoom(
  rooms: RoomLines[],
  members: Member[],
  step: RoomStep,
  limit: number,
  counter: { seq: number },
): void {
  switch (step.kind) {
    case 'roomcast': {
      const data = line((counter.seq += 1), step.size);
      const lines = rooms[step.room] as RoomLines;
      const seq = lines.append(data, limit);
      // A member away sends nothing, so is never the one a roomcast leaves out.
      const except = members[step.except]?.away === true ? -1 : step.except;
      members.forEach((m, index) => {
        if (m.room !== step.room || index === except) return;
        m.shared.recordShared(lines, seq, data.length, limit);
        m.copied.record(data, limit);
      });
      return;
    }
    case 'own': {
      const m = members[step.who] as Member;
      const data = line((counter.seq += 1), step.size);
      m.shared.record(data, limit);
      m.copied.record(data, limit);
      return;
    }
    case 'move':
      (members[step.who] as Member).room = step.room;
      return;
    case 'break': {
      const m = members[step.who] as Member;
      if (m.away) return;
      m.away = true;
      m.heldFrom = m.copied.nextSeq;
      m.shared.holdFromNow();
      m.copied.holdFromNow();
      return;
    }
    case 'reconnect': {
      const m = members[step.who] as Member;
      m.away = false;
      m.shared.connected();
      m.copied.connected();
      return;
    }
    case 'end': {
      const m = members[step.who] as Member;
      m.shared.overflow();
      m.copied.overflow();
      members[step.who] = member(m.room);
      return;
    }
    case 'ack': {
      const m = members[step.who] as Member;
      const received = Math.max(0, m.copied.nextSeq - 1 - step.back);
      m.shared.acknowledge(received);
      m.copied.acknowledge(received);
      return;
    }
    case 'read': {
      const m = members[step.who] as Member;
      const received = Math.max(0, m.copied.nextSeq - 1 - step.back);
      const replay = m.shared.after(received);
      if (replay !== undefined) assert.deepEqual(replay, m.copied.after(received));
      else assert.ok(m.shared.overflowed || received + 1 < m.shared.firstSeq);
      return;
    }
  }
}

function checkMembers(rooms: RoomLines[], members: Member[], limit: number, maxLine: number): void {
  for (const m of members) {
    assert.equal(m.shared.nextSeq, m.copied.nextSeq);
    assert.equal(m.shared.overflowed, m.copied.overflowed);
    assert.ok(m.shared.firstSeq >= m.copied.firstSeq);
    if (m.copied.overflowed) continue;
    const held = m.shared.held();
    assert.deepEqual(held.lines, m.copied.after(held.firstSeq - 1));
    if (m.away && !m.copied.overflowed) {
      // Every line written while away is still there, whatever the rooms let go of.
      assert.ok(m.shared.firstSeq <= m.heldFrom);
      assert.deepEqual(m.shared.after(m.heldFrom - 1), m.copied.after(m.heldFrom - 1));
    }
  }
  // A room holds at most twice the limit for connected members, the limit for away ones, and
  // what came in since its last look (a quarter of the limit, or a chunk, and one line).
  const bound = 3 * limit + Math.max(16 * 1024, limit / 4) + maxLine;
  for (const lines of rooms)
    assert.ok(lines.store.bytes <= bound, `${lines.store.bytes} > ${bound}`);
}

describe("the resume log over a room's lines, kept once for every member", () => {
  it('replays what a log copying every line would, and never loses a line written while away', () => {
    fc.assert(
      fc.property(
        fc.array(roomSteps(300), { maxLength: 500 }),
        fc.integer({ min: 50, max: 5000 }),
        (ops, limit) => {
          const rooms = Array.from({ length: ROOMS }, () => new RoomLines());
          const members = Array.from({ length: MEMBERS }, (_, index) => member(index % ROOMS));
          const counter = { seq: 0 };
          for (const step of ops) {
            playRoom(rooms, members, step, limit, counter);
            checkMembers(rooms, members, limit, 300);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('drops nothing a copying log would keep while every member gets every line', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 400 }),
        fc.integer({ min: 100, max: 4000 }),
        (sizes, limit) => {
          const rooms = [new RoomLines()];
          const members = Array.from({ length: 3 }, () => member(0));
          const counter = { seq: 0 };
          for (const size of sizes) {
            playRoom(
              rooms,
              members,
              { kind: 'roomcast', room: 0, except: -1, size },
              limit,
              counter,
            );
            for (const m of members) assert.equal(m.shared.firstSeq, m.copied.firstSeq);
          }
        },
      ),
    );
  });

  it('keeps a bounded history for a member who only sends, forgetting its oldest lines', () => {
    const limit = 4096;
    const rooms = [new RoomLines()];
    const members = [member(0), member(0)];
    const counter = { seq: 0 };
    // Member 1 hears one line, then member 1 floods: member 0 hears it all, member 1 nothing.
    playRoom(rooms, members, { kind: 'roomcast', room: 0, except: 0, size: 40 }, limit, counter);
    for (let index = 0; index < 2000; index += 1) {
      playRoom(rooms, members, { kind: 'roomcast', room: 0, except: 1, size: 40 }, limit, counter);
    }
    const [listener, flooder] = members as [Member, Member];
    // The control: the member who hears the room keeps exactly what a copying log keeps.
    assert.equal(listener.shared.firstSeq, listener.copied.firstSeq);
    assert.deepEqual(
      listener.shared.after(listener.shared.firstSeq - 1),
      listener.copied.after(listener.copied.firstSeq - 1),
    );
    assert.ok((rooms[0] as RoomLines).store.bytes <= 2 * limit + 16 * 1024 + 40);
    assert.equal(flooder.shared.nextSeq, 2, 'it was sent one line');
    assert.equal(flooder.shared.firstSeq, 2, 'which the room let go of, and so the log too');
    assert.equal(flooder.copied.firstSeq, 1);
    assert.deepEqual(flooder.shared.after(1), []);
    assert.equal(flooder.shared.after(0), undefined);
  });

  it('lets a room go past its bound only by overflowing an away log that holds its oldest line', () => {
    // Not a real room's life (a member away sends nothing, so is never left out), but the
    // room's bound and the away log's lines must both hold even then.
    const limit = 4096;
    const rooms = [new RoomLines()];
    const members = [member(0), member(0)];
    const counter = { seq: 0 };
    const [away] = members as [Member, Member];
    away.shared.holdFromNow();
    const lines = rooms[0] as RoomLines;
    away.shared.recordShared(lines, lines.append(line(1, 40), limit), 40, limit);
    for (let index = 0; index < 2000; index += 1) {
      playRoom(rooms, members, { kind: 'roomcast', room: 0, except: 0, size: 40 }, limit, counter);
      assert.ok(lines.store.bytes <= 2 * limit + 16 * 1024 + 40);
      const replay = away.shared.after(0);
      if (!away.shared.overflowed) assert.deepEqual(replay, [line(1, 40)]);
    }
    assert.ok(away.shared.overflowed);
    assert.equal(lines.readers, 1, 'only the member who hears the room');
  });

  it('is no longer a reader of a room once it forgot every line of it', () => {
    const limit = 200;
    const rooms = [new RoomLines(), new RoomLines()];
    const members = [member(0)];
    const counter = { seq: 0 };
    playRoom(rooms, members, { kind: 'roomcast', room: 0, except: -1, size: 20 }, limit, counter);
    assert.equal((rooms[0] as RoomLines).readers, 1);
    playRoom(rooms, members, { kind: 'move', who: 0, room: 1 }, limit, counter);
    for (let index = 0; index < 20; index += 1) {
      playRoom(rooms, members, { kind: 'roomcast', room: 1, except: -1, size: 20 }, limit, counter);
    }
    assert.equal((rooms[0] as RoomLines).readers, 0);
    assert.equal((rooms[1] as RoomLines).readers, 1);
    members[0]?.shared.overflow();
    assert.equal((rooms[1] as RoomLines).readers, 0);
  });

  it('keeps every line of an away member while others flood, until it overflows', () => {
    const limit = 4096;
    const rooms = [new RoomLines()];
    const members = [member(0), member(0)];
    const counter = { seq: 0 };
    playRoom(rooms, members, { kind: 'break', who: 0 }, limit, counter);
    for (let index = 0; index < 100; index += 1) {
      playRoom(rooms, members, { kind: 'roomcast', room: 0, except: 1, size: 40 }, limit, counter);
      checkMembers(rooms, members, limit, 40);
    }
    const [away] = members as [Member, Member];
    assert.equal(away.shared.after(0)?.length, 100);
    for (let index = 0; index < 100; index += 1) {
      playRoom(rooms, members, { kind: 'roomcast', room: 0, except: 1, size: 40 }, limit, counter);
    }
    assert.ok(away.shared.overflowed, 'past the limit while away');
    assert.ok((rooms[0] as RoomLines).store.bytes <= 16 * 1024 + 40, 'and the room let go');
  });
});
