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

/** Bytes a mutation inserts or writes: separators, line ends, NUL, escape, invalid UTF-8. */
const NASTY_BYTES = [0x3a, 0x0a, 0x0d, 0x00, 0x1b, 0x2c, 0x2d, 0x30, 0x39, 0x80, 0xc3, 0xff];

/**
 * Valid commands with a few byte-level mutations each (insert, delete, overwrite), as Latin-1
 * strings (one character per byte): near-valid input that passes the first checks of a parser
 * and breaks a later one.
 */
export function mutatedCommands(templates: readonly string[]): fc.Arbitrary<string> {
  const mutation = fc.tuple(
    fc.constantFrom('insert', 'delete', 'overwrite'),
    fc.nat(),
    fc.oneof(fc.constantFrom(...NASTY_BYTES), fc.nat(255)),
  );
  return fc
    .tuple(fc.constantFrom(...templates), fc.array(mutation, { maxLength: 3 }))
    .map(([template, mutations]) => {
      const bytes = [...Buffer.from(template, 'latin1')];
      for (const [kind, at, byte] of mutations) {
        const index = at % (bytes.length + 1);
        if (kind === 'insert') bytes.splice(index, 0, byte);
        else if (kind === 'delete') bytes.splice(index, 1);
        else bytes[Math.min(index, bytes.length - 1)] = byte;
      }
      return Buffer.from(bytes).toString('latin1');
    });
}

/** Valid commands and datagrams, the seeds of the mutations. */
export const COMMANDS = [
  '0:user:pw',
  '0::',
  '1',
  '1:pw',
  '2:room',
  '2:room:pw',
  '2:-1',
  '3:0:hello',
  '3:1:a:b:c',
  '3:2:x',
  '3:3:y',
  '4:g:payload',
  '5:g:1:2:3',
  '5:g',
  '8:token',
  '8',
];
export const DATAGRAMS = ['0:1', '1:0:Hello', '1:3:0:x', '2:3:1:y', '1:4:g:z', '3:3:3:w'];
