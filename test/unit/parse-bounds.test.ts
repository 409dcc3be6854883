import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommand, type ParseLimits } from '../../src/protocol/parse-command.js';

const LIMITS: ParseLimits = { maxGroupSize: 3, maxPasswordLength: 8 };

function parse(text: string, limits: ParseLimits = LIMITS): unknown {
  return parseCommand(Buffer.from(text, 'utf8'), limits);
}

function code(text: string): string | undefined {
  const command = parse(text) as { type: string; code?: string };
  return command.type === 'error' ? command.code : undefined;
}

describe('parseCommand: bounds (issue #15 items 6 and 7)', () => {
  it('refuses a room password longer than maxPasswordLength with bad_room_password', () => {
    assert.deepEqual(parse('2:room:12345678'), {
      type: 'join',
      room: 'room',
      password: '12345678',
    });
    assert.equal(code('2:room:123456789'), 'bad_room_password');
    assert.equal(code(`2:room:${'p'.repeat(1024 * 1024)}`), 'bad_room_password');
  });

  it('counts characters, not bytes, in a password', () => {
    assert.equal(code('2:room:\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9'), undefined);
  });

  it('refuses a list-rooms password over the bound with bad_room_password', () => {
    assert.deepEqual(parse('1:12345678'), { type: 'list-rooms', password: '12345678' });
    assert.equal(code('1:123456789'), 'bad_room_password');
  });

  it('refuses a login password over the bound with bad_password', () => {
    assert.equal(code('0:alice:12345678'), undefined);
    assert.equal(code('0:alice:123456789'), 'bad_password');
  });

  it('reads group ids byte by byte: digits only, empty fields skipped, 15 digits at most', () => {
    assert.deepEqual(parse('5:g:1::2:'), { type: 'set-group', group: 'g', clientIds: [1, 2] });
    assert.deepEqual(parse('5:g'), { type: 'set-group', group: 'g', clientIds: [] });
    assert.equal(code('5:g:1:x'), 'bad_client_id');
    assert.equal(code('5:g:-1'), 'bad_client_id');
    assert.equal(code('5:g:1\u0661'), 'bad_client_id');
    assert.deepEqual(parse('5:g:999999999999999'), {
      type: 'set-group',
      group: 'g',
      clientIds: [999_999_999_999_999],
    });
    assert.equal(code('5:g:1000000000000000'), 'bad_client_id');
  });

  it('stops reading ids past twice maxGroupSize, repeats counted, before looking further', () => {
    // Six ids (twice 3) are read; the core judges the distinct ones.
    assert.deepEqual(parse('5:g:1:1:2:2:3:3'), {
      type: 'set-group',
      group: 'g',
      clientIds: [1, 1, 2, 2, 3, 3],
    });
    // The seventh id is refused before the bad field behind it is ever read.
    assert.equal(code('5:g:1:1:2:2:3:3:4:not-an-id'), 'group_too_large');
    // A 1 MiB line of ids is refused the same way, after reading seven of them.
    assert.equal(code(`5:g:${'7:'.repeat(512 * 1024)}`), 'group_too_large');
  });

  it('applies no bound when none is given', () => {
    const ids = Array.from({ length: 5000 }, (_, index) => index + 1);
    const parsed = parseCommand(Buffer.from(`5:g:${ids.join(':')}`)) as unknown as {
      clientIds: number[];
    };
    assert.deepEqual(parsed.clientIds, ids);
  });
});
