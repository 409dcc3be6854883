import assert from 'node:assert/strict';
import { LineDecoder } from '../../src/protocol/line-decoder.js';

/** Feeds the chunks in order; returns the lines as text and the last push result. */
export function decode(
  chunks: readonly Buffer[],
  maxLineLength = 1024,
  encoding: BufferEncoding = 'utf8',
): { lines: string[]; ok: boolean } {
  const decoder = new LineDecoder(maxLineLength);
  const lines: string[] = [];
  let ok = true;
  for (const chunk of chunks) {
    ok = decoder.push(chunk, (line) => {
      lines.push(line.toString(encoding));
    });
    if (!ok) break;
  }
  return { lines, ok };
}

/** Splits a buffer at the given offsets (any order, duplicates allowed). */
export function splitAt(data: Buffer, offsets: readonly number[]): Buffer[] {
  const cuts = [...new Set(offsets.map((offset) => offset % (data.length + 1)))].sort(
    (a, b) => a - b,
  );
  const chunks: Buffer[] = [];
  let start = 0;
  for (const cut of cuts) {
    chunks.push(data.subarray(start, cut));
    start = cut;
  }
  chunks.push(data.subarray(start));
  return chunks;
}

/** Every way of splitting `data` in two, and byte by byte, decodes like one chunk. */
export function assertChunkingInvariant(data: Buffer, limit: number): void {
  const whole = decode([data], limit, 'latin1');
  for (let offset = 0; offset <= data.length; offset += 1) {
    const split = [data.subarray(0, offset), data.subarray(offset)];
    assert.deepEqual(decode(split, limit, 'latin1'), whole, `split at ${offset}`);
  }
  const bytes = [...data].map((byte) => Buffer.from([byte]));
  assert.deepEqual(decode(bytes, limit, 'latin1'), whole, 'byte by byte');
}
