import assert from 'node:assert/strict';
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
  encodeRoomList,
  encodeUdpConnected,
} from '../../src/protocol/encode.js';
import { closesConnection, ERROR_CODES, type ErrorCode } from '../../src/protocol/error-codes.js';

function bytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

describe('encoders', () => {
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

  it('include every code named by the protocol', () => {
    const named: ErrorCode[] = [
      'not_logged_in',
      'already_logged_in',
      'auth_failed',
      'malformed',
      'unknown_command',
      'not_in_room',
      'bad_room_name',
      'wrong_room_password',
      'room_full',
      'unknown_group',
      'line_too_long',
      'slow_consumer',
    ];
    for (const code of named) assert.ok(code in ERROR_CODES, code);
  });

  it('close the connection for line_too_long, slow_consumer and too_many_auth_failures only among client faults', () => {
    assert.equal(closesConnection('line_too_long'), true);
    assert.equal(closesConnection('slow_consumer'), true);
    assert.equal(closesConnection('too_many_auth_failures'), true);
    assert.equal(closesConnection('not_in_room'), false);
    assert.equal(closesConnection('auth_failed'), false);
  });
});
