import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES } from '../../src/protocol/error-codes.js';
import { parseCommand } from '../../src/protocol/parse-command.js';
import { parseDatagram } from '../../src/protocol/parse-datagram.js';
import { CoreFuzzer, FUZZ_SETUP, latin1 } from '../helpers/core-fuzz.js';
import { assertChunkingInvariant } from '../helpers/decode-lines.js';
import { corpusDatagrams, corpusLines, corpusSequences } from '../helpers/fuzz-corpus.js';

/** A core with four clients logged in, in rooms, UDP-bound: the corpus's starting point. */
function populated(): CoreFuzzer {
  const fuzzer = new CoreFuzzer();
  for (const step of FUZZ_SETUP) fuzzer.apply(step);
  return fuzzer;
}

describe('the fuzz regression corpus (test/fuzz-corpus)', () => {
  it('decodes, parses and relays every corpus line without breaking an invariant', () => {
    for (const { note, bytes } of corpusLines()) {
      const data = latin1(`${bytes}\n${bytes}\r\n`);
      for (const limit of [4, 1024]) assertChunkingInvariant(data, limit);
      const command = parseCommand(latin1(bytes));
      if (command.type === 'error') assert.ok(command.code in ERROR_CODES, note);
      const fuzzer = populated();
      // From a logged-in client, a client not logged in yet, and a connection mid-login.
      fuzzer.apply(['line', 1, bytes]);
      fuzzer.apply(['connect', 5, 0]);
      fuzzer.apply(['line', 5, bytes]);
      fuzzer.apply(['line', 5, '0:late:pw']);
      fuzzer.apply(['line', 5, bytes]);
      fuzzer.apply(['auth', 5, true]);
    }
  });

  it('parses and handles every corpus datagram, from bound and unbound addresses', () => {
    for (const { note, bytes } of corpusDatagrams()) {
      const datagram = parseDatagram(latin1(bytes));
      assert.ok(['bind', 'message', 'group-message', 'invalid'].includes(datagram.type), note);
      const fuzzer = populated();
      fuzzer.apply(['datagram', 1, 7001, bytes]);
      fuzzer.apply(['datagram', 0, 7555, bytes]);
      fuzzer.apply(['datagram', 1, 7555, bytes]);
    }
  });

  it('replays every corpus sequence with every invariant holding after each step', () => {
    for (const { steps } of corpusSequences()) {
      const fuzzer = populated();
      for (const step of steps) fuzzer.apply(step);
    }
  });
});
