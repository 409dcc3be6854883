import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_PING_TOKEN_LENGTH } from '../../src/protocol/commands.js';
import { encodePong } from '../../src/protocol/encode.js';
import { parseCommand } from '../../src/protocol/parse-command.js';

function parse(text: string): ReturnType<typeof parseCommand> {
  return parseCommand(Buffer.from(text, 'utf8'));
}

describe('parseCommand: ping (8, a Roomwire extension)', () => {
  it('reads 8:<token> with the token as it came, colons included', () => {
    assert.deepEqual(parse('8:abc'), { type: 'ping', token: 'abc' });
    assert.deepEqual(parse('8:17:1700000000123'), { type: 'ping', token: '17:1700000000123' });
  });

  it('reads 8 and 8: as a ping with an empty token', () => {
    assert.deepEqual(parse('8'), { type: 'ping', token: '' });
    assert.deepEqual(parse('8:'), { type: 'ping', token: '' });
  });

  it(`accepts a token of ${MAX_PING_TOKEN_LENGTH} characters and refuses a longer one`, () => {
    const longest = 'x'.repeat(MAX_PING_TOKEN_LENGTH);
    assert.deepEqual(parse(`8:${longest}`), { type: 'ping', token: longest });
    const refused = parse(`8:${longest}x`);
    assert.equal(refused.type === 'error' && refused.code, 'malformed');
  });

  it('refuses a token with control or non-ASCII characters as malformed', () => {
    for (const token of ['a\tb', 'é', '\x7f', 'a\x00']) {
      const refused = parse(`8:${token}`);
      assert.equal(refused.type === 'error' && refused.code, 'malformed', JSON.stringify(token));
    }
  });

  it('encodes the answer as 8:<token>\\n', () => {
    assert.equal(encodePong('t:1').toString('latin1'), '8:t:1\n');
    assert.equal(encodePong('').toString('latin1'), '8:\n');
  });
});
