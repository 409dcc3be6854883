import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { LineDecoder } from '../../src/protocol/line-decoder.js';
import { decode, splitAt } from '../helpers/decode-lines.js';

/** A small deterministic generator, so a failing split can be reproduced. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state;
  };
}

const SAMPLE = Buffer.from('0:alice:pw\n2:lobby\n3:1:hello: world\r\n\n4:g:é€😀\n1\n', 'utf8');
const SAMPLE_LINES = ['0:alice:pw', '2:lobby', '3:1:hello: world', '', '4:g:é€😀', '1'];

describe('LineDecoder', () => {
  it('decodes whole lines fed one per chunk', () => {
    const chunks = ['0:a:b\n', '2:room\n', '3:0:x\n'].map((text) => Buffer.from(text));
    assert.deepEqual(decode(chunks), { lines: ['0:a:b', '2:room', '3:0:x'], ok: true });
  });

  it('decodes many lines arriving in one chunk, in order', () => {
    assert.deepEqual(decode([SAMPLE]), { lines: SAMPLE_LINES, ok: true });
  });

  it('decodes the same lines when fed one byte at a time', () => {
    const bytes = [...SAMPLE].map((byte) => Buffer.from([byte]));
    assert.deepEqual(decode(bytes), { lines: SAMPLE_LINES, ok: true });
  });

  it('decodes the same lines whatever the random chunking', () => {
    const next = lcg(42);
    for (let round = 0; round < 500; round += 1) {
      const offsets = Array.from({ length: next() % 8 }, () => next());
      const chunks = splitAt(SAMPLE, offsets);
      assert.deepEqual(decode(chunks), { lines: SAMPLE_LINES, ok: true }, `offsets ${offsets}`);
    }
  });

  it('holds an unfinished line until its newline arrives', () => {
    const decoder = new LineDecoder(100);
    const lines: string[] = [];
    const onLine = (line: Buffer): void => {
      lines.push(line.toString());
    };
    assert.equal(decoder.push(Buffer.from('3:0:he'), onLine), true);
    assert.deepEqual(lines, []);
    assert.equal(decoder.bufferedBytes, 6);
    assert.equal(decoder.push(Buffer.from('llo\n3:'), onLine), true);
    assert.deepEqual(lines, ['3:0:hello']);
    assert.equal(decoder.bufferedBytes, 2);
  });

  it('strips one carriage return before the newline', () => {
    assert.deepEqual(decode([Buffer.from('2:room\r\n')]).lines, ['2:room']);
  });

  it('strips only one carriage return when two precede the newline', () => {
    assert.deepEqual(decode([Buffer.from('2:room\r\r\n')]).lines, ['2:room\r']);
  });

  it('strips a carriage return that arrived in the chunk before its newline', () => {
    assert.deepEqual(decode([Buffer.from('2:room\r'), Buffer.from('\n')]).lines, ['2:room']);
  });

  it('keeps a lone carriage return in the middle of a line', () => {
    assert.deepEqual(decode([Buffer.from('3:0:a\rb\n')]).lines, ['3:0:a\rb']);
  });

  it('passes empty lines on as empty buffers', () => {
    assert.deepEqual(decode([Buffer.from('\n\r\n\n')]).lines, ['', '', '']);
  });

  it('reassembles a multi-byte UTF-8 character split across chunks', () => {
    const bytes = Buffer.from('3:0:€😀\n', 'utf8');
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const chunks = [bytes.subarray(0, cut), bytes.subarray(cut)];
      assert.deepEqual(decode(chunks).lines, ['3:0:€😀'], `cut at ${cut}`);
    }
  });

  it('passes a line exactly at the limit', () => {
    const line = 'x'.repeat(10);
    assert.deepEqual(decode([Buffer.from(`${line}\n`)], 10), { lines: [line], ok: true });
    assert.deepEqual(decode([Buffer.from(`${line}\r\n`)], 10), { lines: [line], ok: true });
    const bytes = [...Buffer.from(`${line}\r\n`)].map((byte) => Buffer.from([byte]));
    assert.deepEqual(decode(bytes, 10), { lines: [line], ok: true });
  });

  it('refuses a complete line one byte over the limit', () => {
    assert.deepEqual(decode([Buffer.from(`${'x'.repeat(11)}\n`)], 10), { lines: [], ok: false });
  });

  it('refuses a line passing the limit while buffering, before any newline arrives', () => {
    const decoder = new LineDecoder(10);
    const onLine = (): void => assert.fail('no line may come out');
    assert.equal(decoder.push(Buffer.from('x'.repeat(10)), onLine), true);
    assert.equal(decoder.push(Buffer.from('x'), onLine), false);
  });

  it('holds a `\\r` one byte past the limit, since a `\\n` may follow it', () => {
    const decoder = new LineDecoder(10);
    const lines: string[] = [];
    assert.equal(
      decoder.push(Buffer.from(`${'x'.repeat(10)}\r`), (line) => void lines.push(line.toString())),
      true,
    );
    assert.equal(
      decoder.push(Buffer.from('\n'), (line) => void lines.push(line.toString())),
      true,
    );
    assert.deepEqual(lines, ['x'.repeat(10)]);
    const other = new LineDecoder(10);
    assert.equal(
      other.push(Buffer.from(`${'x'.repeat(10)}\r`), () => {}),
      true,
    );
    assert.equal(
      other.push(Buffer.from('x'), () => {}),
      false,
    );
  });

  it('refuses one big chunk without a newline as soon as it passes the limit', () => {
    const decoder = new LineDecoder(10);
    assert.equal(
      decoder.push(Buffer.from('x'.repeat(50)), () => assert.fail()),
      false,
    );
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('delivers the lines before an over-long one, then refuses', () => {
    const result = decode([Buffer.from(`ok\n${'x'.repeat(20)}\nlater\n`)], 10);
    assert.deepEqual(result, { lines: ['ok'], ok: false });
  });

  it('stops early when the line callback returns false', () => {
    const decoder = new LineDecoder(100);
    const lines: string[] = [];
    const ok = decoder.push(Buffer.from('a\nb\nc\n'), (line) => {
      lines.push(line.toString());
      return lines.length < 2;
    });
    assert.equal(ok, true);
    assert.deepEqual(lines, ['a', 'b']);
  });

  it('throws on a limit that is not a positive integer', () => {
    assert.throws(() => new LineDecoder(0), TypeError);
    assert.throws(() => new LineDecoder(1.5), TypeError);
  });

  it('does not keep a reference to the chunk it buffered', () => {
    const decoder = new LineDecoder(100);
    const chunk = Buffer.from('abc');
    const lines: string[] = [];
    decoder.push(chunk, () => undefined);
    chunk.fill(0x7a);
    decoder.push(Buffer.from('\n'), (line) => {
      lines.push(line.toString());
    });
    assert.deepEqual(lines, ['abc']);
  });
});

/** What a decoder must produce from all the bytes at once: lines, and whether it refused. */
function referenceDecode(bytes: Buffer, maxLineLength: number): { lines: string[]; ok: boolean } {
  const lines: string[] = [];
  let start = 0;
  for (let newline = bytes.indexOf(10); newline !== -1; newline = bytes.indexOf(10, start)) {
    const end = newline > start && bytes[newline - 1] === 13 ? newline - 1 : newline;
    if (end - start > maxLineLength) return { lines, ok: false };
    lines.push(bytes.toString('latin1', start, end));
    start = newline + 1;
  }
  // An unfinished line may pass the limit by one byte only if that byte is the `\r` of a `\r\n`.
  const rest = bytes.length - start;
  return {
    lines,
    ok: rest <= maxLineLength || (rest === maxLineLength + 1 && bytes[bytes.length - 1] === 13),
  };
}

describe('LineDecoder properties', () => {
  const offsets = fc.array(fc.nat(), { maxLength: 12 });

  it('decodes any byte string split at any offsets into the same lines', () => {
    const bytes = fc.uint8Array({ maxLength: 200 }).map((array) => Buffer.from(array));
    fc.assert(
      fc.property(bytes, offsets, (data, cuts) => {
        const chunked = decode(splitAt(data, cuts), 1000, 'latin1');
        assert.deepEqual(chunked, referenceDecode(data, 1000));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses over-long lines the same way whatever the chunking', () => {
    const bytes = fc
      .array(fc.constantFrom(0x61, 0x0d, 0x0a, 0xc3, 0xa9), { maxLength: 60 })
      .map((array) => Buffer.from(array));
    fc.assert(
      fc.property(bytes, offsets, fc.integer({ min: 1, max: 8 }), (data, cuts, limit) => {
        assert.deepEqual(
          decode(splitAt(data, cuts), limit, 'latin1'),
          referenceDecode(data, limit),
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe('LineDecoder memory', () => {
  it('holds an unfinished line fed one byte per read at about its size', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const held = 200_000;
    const decoder = new LineDecoder(1024 * 1024);
    const bytes = Buffer.alloc(held, 0x61);
    gc();
    const before = memoryHeld();
    // One byte per read, as a peer sending one byte per TCP segment makes the socket deliver.
    for (let index = 0; index < held; index += 1) {
      assert.equal(
        decoder.push(bytes.subarray(index, index + 1), () => {}),
        true,
      );
    }
    gc();
    const growth = memoryHeld() - before;
    assert.equal(decoder.bufferedBytes, held);
    // Issue #15 item 5: one small buffer per read cost 57 times the line's size.
    assert.ok(growth < 4 * held, `holding ${held} bytes grew memory by ${growth} bytes`);
    const lines: string[] = [];
    decoder.push(Buffer.from('b\n'), (line) => void lines.push(line.toString('latin1')));
    assert.deepEqual(lines, [`${'a'.repeat(held)}b`]);
  });
});

function memoryHeld(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}
