import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parserInputs } from '../helpers/fuzz-inputs.js';
import type { Command } from '../../src/protocol/commands.js';
import { ERROR_CODES, type ErrorCode, type ProtocolError } from '../../src/protocol/error-codes.js';
import { parseCommand } from '../../src/protocol/parse-command.js';

function parse(text: string): Command | ProtocolError {
  return parseCommand(Buffer.from(text, 'utf8'));
}

/** A parsed command with its payload (if any) turned into text, for deepEqual. */
function parsed(text: string): unknown {
  const command = parse(text);
  if ('payload' in command) return { ...command, payload: command.payload.toString('utf8') };
  return command;
}

function codeOf(text: string | Buffer): ErrorCode | undefined {
  const command = parseCommand(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  return command.type === 'error' ? command.code : undefined;
}

describe('parseCommand: login (0)', () => {
  it('parses 0:username:password', () => {
    assert.deepEqual(parse('0:alice:secret'), {
      type: 'login',
      username: 'alice',
      password: 'secret',
    });
  });

  it('accepts an empty username and password (0::)', () => {
    assert.deepEqual(parse('0::'), { type: 'login', username: '', password: '' });
  });

  it('refuses a login with two fields as malformed', () => {
    assert.equal(codeOf('0:user'), 'malformed');
  });

  it('refuses a login with four fields as malformed', () => {
    assert.equal(codeOf('0:user:pw:extra'), 'malformed');
  });

  it('refuses a bare 0 as malformed', () => {
    assert.equal(codeOf('0'), 'malformed');
  });
});

describe('parseCommand: list rooms (1)', () => {
  it('parses 1 with no password', () => {
    assert.deepEqual(parse('1'), { type: 'list-rooms', password: '' });
  });

  it('parses 1: with an empty password', () => {
    assert.deepEqual(parse('1:'), { type: 'list-rooms', password: '' });
  });

  it('parses 1:password', () => {
    assert.deepEqual(parse('1:pw'), { type: 'list-rooms', password: 'pw' });
  });
});

describe('parseCommand: join and leave (2)', () => {
  it('parses 2:room as a join without password', () => {
    assert.deepEqual(parse('2:room'), { type: 'join', room: 'room', password: '' });
  });

  it('parses 2:room:pw as a join with a password', () => {
    assert.deepEqual(parse('2:room:pw'), { type: 'join', room: 'room', password: 'pw' });
  });

  it('keeps the rest of the line, colons included, as the room password', () => {
    assert.deepEqual(parse('2:room:pw:with:colons'), {
      type: 'join',
      room: 'room',
      password: 'pw:with:colons',
    });
  });

  it('parses 2:-1 as leave, not as a room named -1', () => {
    assert.deepEqual(parse('2:-1'), { type: 'leave' });
  });

  it('passes an empty room name on for the core to refuse', () => {
    assert.deepEqual(parse('2:'), { type: 'join', room: '', password: '' });
  });

  it('refuses a bare 2 as malformed', () => {
    assert.equal(codeOf('2'), 'malformed');
  });

  it('decodes a UTF-8 room name', () => {
    assert.deepEqual(parse('2:café'), { type: 'join', room: 'café', password: '' });
  });
});

describe('parseCommand: messages (3)', () => {
  for (const mode of [0, 1, 2, 3] as const) {
    it(`parses 3:${mode}:payload with mode ${mode}`, () => {
      assert.deepEqual(parsed(`3:${mode}:hello`), { type: 'message', mode, payload: 'hello' });
    });
  }

  it('keeps the whole rest of the line as the payload, colons included', () => {
    assert.deepEqual(parsed('3:0:a:b::c:'), { type: 'message', mode: 0, payload: 'a:b::c:' });
    assert.deepEqual(parsed('3:1::'), { type: 'message', mode: 1, payload: ':' });
  });

  it('accepts an empty payload', () => {
    assert.deepEqual(parsed('3:1:'), { type: 'message', mode: 1, payload: '' });
  });

  it('refuses mode 4 as malformed', () => {
    assert.equal(codeOf('3:4:x'), 'malformed');
  });

  it('refuses a non-numeric mode as malformed', () => {
    assert.equal(codeOf('3:x'), 'malformed');
    assert.equal(codeOf('3:x:payload'), 'malformed');
  });

  it('refuses a message without a payload field as malformed', () => {
    assert.equal(codeOf('3:0'), 'malformed');
    assert.equal(codeOf('3'), 'malformed');
    assert.equal(codeOf('3:'), 'malformed');
  });

  it('refuses a two-digit mode as malformed', () => {
    assert.equal(codeOf('3:01:x'), 'malformed');
  });

  it('hands the payload on as a slice of the line, byte for byte', () => {
    const line = Buffer.from('3:2:é€😀 \t\r:x', 'utf8');
    const command = parseCommand(line);
    assert.equal(command.type, 'message');
    assert.ok(command.type === 'message');
    assert.deepEqual(command.payload, line.subarray(4));
    assert.equal(command.payload.buffer, line.buffer, 'a view of the line, not a copy');
    assert.equal(command.payload.byteOffset, line.byteOffset + 4);
  });
});

describe('parseCommand: group messages (4)', () => {
  it('parses 4:group:payload, the payload being the rest of the line', () => {
    assert.deepEqual(parsed('4:group:payload:with:colons'), {
      type: 'group-message',
      group: 'group',
      payload: 'payload:with:colons',
    });
  });

  it('accepts an empty payload', () => {
    assert.deepEqual(parsed('4:g:'), { type: 'group-message', group: 'g', payload: '' });
  });

  it('refuses a group message without a payload field as malformed', () => {
    assert.equal(codeOf('4:group'), 'malformed');
    assert.equal(codeOf('4'), 'malformed');
  });

  it('hands the group payload on as a slice of the line, byte for byte', () => {
    const line = Buffer.from('4:g:😀:x', 'utf8');
    const command = parseCommand(line);
    assert.ok(command.type === 'group-message');
    assert.deepEqual(command.payload, line.subarray(4));
    assert.equal(command.payload.buffer, line.buffer);
  });
});

describe('parseCommand: set group (5)', () => {
  it('parses 5:group with no ids (clears the group)', () => {
    assert.deepEqual(parse('5:group'), { type: 'set-group', group: 'group', clientIds: [] });
  });

  it('parses 5:group:1:2:3', () => {
    assert.deepEqual(parse('5:group:1:2:3'), {
      type: 'set-group',
      group: 'group',
      clientIds: [1, 2, 3],
    });
  });

  it('tolerates a trailing colon after the ids', () => {
    assert.deepEqual(parse('5:g:1:2:'), { type: 'set-group', group: 'g', clientIds: [1, 2] });
  });

  it('keeps repeated ids for the core to merge', () => {
    assert.deepEqual(parse('5:g:2:2'), { type: 'set-group', group: 'g', clientIds: [2, 2] });
  });

  it('refuses a non-numeric id as bad_client_id', () => {
    assert.equal(codeOf('5:group:1:x'), 'bad_client_id');
  });

  it('refuses a negative or fractional id as bad_client_id', () => {
    assert.equal(codeOf('5:g:-1'), 'bad_client_id');
    assert.equal(codeOf('5:g:1.5'), 'bad_client_id');
    assert.equal(codeOf('5:g: 1'), 'bad_client_id');
  });

  it('refuses an id beyond the safe integer range as bad_client_id', () => {
    assert.equal(codeOf('5:g:1234567890123456'), 'bad_client_id');
  });

  it('refuses a bare 5 as malformed', () => {
    assert.equal(codeOf('5'), 'malformed');
  });
});

describe('parseCommand: unknown and invalid lines', () => {
  it('refuses an unknown numeric type as unknown_command', () => {
    assert.equal(codeOf('7:x'), 'unknown_command');
    assert.equal(codeOf('9'), 'unknown_command');
    assert.equal(codeOf('42:a:b'), 'unknown_command');
  });

  it('refuses a non-numeric type as malformed', () => {
    assert.equal(codeOf('hello'), 'malformed');
    assert.equal(codeOf('x:1'), 'malformed');
    assert.equal(codeOf(':0:a'), 'malformed');
    assert.equal(codeOf('-1:a'), 'malformed');
  });

  it('refuses invalid UTF-8 anywhere in the line as invalid_utf8', () => {
    const bad = Buffer.from([0xc3, 0x28]);
    for (const prefix of ['0:', '1:', '2:', '3:0:', '3:1:ok', '4:g:', '5:']) {
      const line = Buffer.concat([Buffer.from(prefix), bad]);
      assert.equal(codeOf(line), 'invalid_utf8', prefix);
    }
    assert.equal(codeOf(Buffer.from([0xff])), 'invalid_utf8');
  });

  it('returns errors as values with a reason, never throwing', () => {
    const error = parse('7');
    assert.equal(error.type, 'error');
    assert.ok(error.type === 'error' && error.reason.length > 0);
  });
});

describe('parseCommand properties', () => {
  it('never throws on arbitrary bytes, and answers errors with a known code', () => {
    const inputs = parserInputs(['0', '1', '2', '3', '4', '5', '-1', ':', 'x', '\r', '€']);
    fc.assert(
      fc.property(inputs, (data) => {
        const command = parseCommand(data);
        if (command.type === 'error') assert.ok(command.code in ERROR_CODES, command.code);
      }),
      { numRuns: 1000 },
    );
  });
});
