import fc from 'fast-check';

/**
 * Byte strings for parser fuzzing: arbitrary bytes, and strings glued from protocol-like
 * fragments (field types, separators, line ends, multi-byte characters) that reach deep branches.
 */
export function parserInputs(fragments: readonly string[]): fc.Arbitrary<Buffer> {
  const protocolLike = fc
    .array(fc.constantFrom(...fragments), { maxLength: 8 })
    .map((parts) => Buffer.from(parts.join('')));
  const anyBytes = fc.uint8Array({ maxLength: 40 }).map((array) => Buffer.from(array));
  return fc.oneof(anyBytes, protocolLike);
}
