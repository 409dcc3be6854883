import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import {
  encodeError,
  encodeErrorDatagram,
  encodeJoined,
  encodeLeft,
  encodeLoggedIn,
  encodeMaster,
  encodeMessage,
  encodeMessageDatagram,
  encodePong,
  encodeResumed,
  encodeRoomList,
  encodeUdpConnected,
} from '../../src/protocol/encode.js';
import { serverLineKind } from '../../src/protocol/message-kinds.js';
import { closesConnection, ERROR_CODES } from '../../src/protocol/error-codes.js';

/**
 * The error-code table of docs/protocol.md section 7, as [code, closes] rows in document order.
 * Fails when the section or its table is missing, or when a row is not `| \`code\` | yes/no |`.
 */
async function documentedErrorCodes(): Promise<[string, boolean][]> {
  const text = await readFile(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  const section = /^## §7 Errors$([\s\S]*?)^## /m.exec(text)?.[1];
  assert.ok(section !== undefined, 'docs/protocol.md has no section "§7 Errors"');
  const table = section.split('\n').filter((line) => line.startsWith('|'));
  assert.match(table[0] ?? '', /^\| code +\| closes +\|/, 'the table starts with code | closes');
  return table.slice(2).map((line): [string, boolean] => {
    const row = /^\| `([^`]+)` +\| (yes|no) +\|/.exec(line);
    assert.ok(row !== null, `not a code row in docs/protocol.md: ${line}`);
    return [row[1] as string, row[2] === 'yes'];
  });
}

function bytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

describe('encoders', () => {
  it('reads back from its bytes the kind of every line a server writes (resume replays)', () => {
    const lines: [Buffer, string][] = [
      [encodeLoggedIn(7, 'abcdefghijklmnopqrstuvwxyz012345'), 'login'],
      [encodeLoggedIn(7), 'login'],
      [encodeResumed(7, 3), 'resume'],
      [encodeRoomList([{ name: 'a', memberCount: 2 }]), 'rooms'],
      [encodeRoomList([]), 'rooms'],
      [encodeJoined(7, 'x'), 'join'],
      [encodeJoined(7, '-'), 'join'],
      [encodeLeft(7), 'leave'],
      [encodeMaster(7), 'master'],
      [encodePong(''), 'ping'],
      [encodePong('t:1'), 'ping'],
      [encodeError('room_full'), 'error'],
      [encodeMessage(7, Buffer.from('2:1:')), 'message'],
      [encodeMessage(7, Buffer.from('')), 'message'],
    ];
    for (const [line, kind] of lines) assert.equal(serverLineKind(line), kind, line.toString());
  });

  it('encodes a login answer as 0:<id>\\n', () => {
    assert.deepEqual(encodeLoggedIn(7), bytes('0:7\n'));
  });

  it('encodes an empty room list as 1:\\n', () => {
    assert.deepEqual(encodeRoomList([]), bytes('1:\n'));
  });

  it('encodes a room list as name-count pairs joined by commas, in order', () => {
    const rooms = [
      { name: 'lobby', memberCount: 3 },
      { name: 'red-team', memberCount: 1 },
      { name: 'café', memberCount: 12 },
    ];
    assert.deepEqual(encodeRoomList(rooms), bytes('1:lobby-3,red-team-1,café-12\n'));
  });

  it('encodes a room list from any iterable', () => {
    function* rooms(): Iterable<{ name: string; memberCount: number }> {
      yield { name: 'a', memberCount: 1 };
    }
    assert.deepEqual(encodeRoomList(rooms()), bytes('1:a-1\n'));
  });

  it('encodes a join as 2:<id>:<room>\\n, in UTF-8', () => {
    assert.deepEqual(encodeJoined(3, 'lobby'), bytes('2:3:lobby\n'));
    assert.deepEqual(encodeJoined(3, 'é😀'), bytes('2:3:é😀\n'));
  });

  it('encodes a leave as 2:<id>:\\n', () => {
    assert.deepEqual(encodeLeft(3), bytes('2:3:\n'));
  });

  it('encodes the master as 4:<id>\\n', () => {
    assert.deepEqual(encodeMaster(12), bytes('4:12\n'));
  });

  it('encodes a refusal as 9:<code>:<default reason>\\n', () => {
    assert.deepEqual(encodeError('not_in_room'), bytes('9:not_in_room:join a room first\n'));
  });

  it('encodes a refusal with a given reason, newlines turned to spaces', () => {
    assert.deepEqual(encodeError('malformed', 'bad\r\nline\n'), bytes('9:malformed:bad  line \n'));
  });

  it('encodes a relayed message as 3:<sender>:payload\\n, payload bytes untouched', () => {
    const payload = Buffer.from([0x61, 0x3a, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80, 0x0d]);
    const expected = Buffer.concat([bytes('3:42:'), payload, bytes('\n')]);
    assert.deepEqual(encodeMessage(42, payload), expected);
  });

  it('encodes a relayed message with an empty payload', () => {
    assert.deepEqual(encodeMessage(1, Buffer.alloc(0)), bytes('3:1:\n'));
  });

  it('copies the payload, so later changes to the source do not leak in', () => {
    const payload = Buffer.from('abc');
    const frame = encodeMessage(1, payload);
    payload.fill(0x7a);
    assert.deepEqual(frame, bytes('3:1:abc\n'));
  });

  it('encodes a relayed datagram as 3:<sender>:payload without newline', () => {
    assert.deepEqual(encodeMessageDatagram(5, bytes('x:é')), bytes('3:5:x:é'));
  });

  it('encodes the UDP bind answer as 0:<id>:connected without newline', () => {
    assert.deepEqual(encodeUdpConnected(9), bytes('0:9:connected'));
  });

  it('encodes a refusal datagram as 9:<code>:<reason> without newline', () => {
    assert.deepEqual(
      encodeErrorDatagram('unknown_group'),
      bytes(`9:unknown_group:${ERROR_CODES.unknown_group.reason}`),
    );
  });
});

describe('error codes', () => {
  it('are lowercase words with a one-line reason', () => {
    for (const [code, { reason }] of Object.entries(ERROR_CODES)) {
      assert.match(code, /^[a-z0-9_]+$/);
      assert.ok(reason.length > 0 && !/[\r\n]/.test(reason), code);
    }
  });

  it('each have a row in the table of docs/protocol.md with the same closes value, and every row a code', async () => {
    const rows = await documentedErrorCodes();
    const documented = new Map(rows);
    assert.equal(documented.size, rows.length, 'a code has two rows in docs/protocol.md');
    for (const [code, { closes }] of Object.entries(ERROR_CODES)) {
      assert.ok(documented.has(code), `docs/protocol.md section 7 has no row for ${code}`);
      assert.equal(documented.get(code), closes, `docs/protocol.md: closes of ${code}`);
    }
    for (const [code] of rows) {
      assert.ok(code in ERROR_CODES, `docs/protocol.md documents ${code}, which is not a code`);
    }
  });

  it('close the connection for line_too_long, slow_consumer and too_many_auth_failures only among client faults', () => {
    assert.equal(closesConnection('line_too_long'), true);
    assert.equal(closesConnection('slow_consumer'), true);
    assert.equal(closesConnection('too_many_auth_failures'), true);
    assert.equal(closesConnection('not_in_room'), false);
    assert.equal(closesConnection('auth_failed'), false);
  });
});
