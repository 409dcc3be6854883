import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeError,
  encodeJoined,
  encodeLeft,
  encodeLoggedIn,
  encodeMaster,
  encodeMessage,
  encodeRoomList,
  encodeUdpConnected,
} from '../../src/protocol/encode.js';
import { parseServerLine } from '../../src/protocol/server-events.js';

describe('parseServerLine', () => {
  it('reads a login answer', () => {
    assert.deepEqual(parseServerLine('0:7'), { type: 'logged-in', clientId: 7 });
  });

  it('reads field 1 of a login answer followed by extra fields', () => {
    assert.deepEqual(parseServerLine('0:7:extra:fields'), { type: 'logged-in', clientId: 7 });
  });

  it('reads the UDP bind answer', () => {
    assert.deepEqual(parseServerLine('0:7:connected'), { type: 'udp-connected', clientId: 7 });
  });

  it('reads an empty room list (1:)', () => {
    assert.deepEqual(parseServerLine('1:'), { type: 'room-list', rooms: [] });
  });

  it('reads a room list, splitting each entry at its last dash', () => {
    assert.deepEqual(parseServerLine('1:lobby-3,red-team-2,a-b-c-10'), {
      type: 'room-list',
      rooms: [
        { name: 'lobby', memberCount: 3 },
        { name: 'red-team', memberCount: 2 },
        { name: 'a-b-c', memberCount: 10 },
      ],
    });
  });

  it('reads a room named with a trailing dash', () => {
    assert.deepEqual(parseServerLine('1:x--1'), {
      type: 'room-list',
      rooms: [{ name: 'x-', memberCount: 1 }],
    });
  });

  it('reads a join and a leave', () => {
    assert.deepEqual(parseServerLine('2:3:lobby'), { type: 'joined', clientId: 3, room: 'lobby' });
    assert.deepEqual(parseServerLine('2:3:'), { type: 'left', clientId: 3 });
  });

  it('reads a relayed message whose payload holds colons', () => {
    assert.deepEqual(parseServerLine('3:4:a:b::c'), {
      type: 'message',
      senderId: 4,
      payload: 'a:b::c',
    });
    assert.deepEqual(parseServerLine('3:4:'), { type: 'message', senderId: 4, payload: '' });
  });

  it('reads the master', () => {
    assert.deepEqual(parseServerLine('4:12'), { type: 'master', masterId: 12 });
  });

  it('reads a refusal whose reason holds colons', () => {
    assert.deepEqual(parseServerLine('9:unknown_group:define it with 5:group:ids'), {
      type: 'error',
      code: 'unknown_group',
      reason: 'define it with 5:group:ids',
    });
    assert.deepEqual(parseServerLine('9:internal'), {
      type: 'error',
      code: 'internal',
      reason: '',
    });
  });

  it('keeps unknown types and short lines as unknown, as old clients ignore them', () => {
    for (const line of ['7:x', '', 'hello', '2:3', '3:4', '10:1']) {
      assert.deepEqual(parseServerLine(line), { type: 'unknown', line });
    }
  });

  it('keeps lines with a non-numeric id or an ill-formed room list as unknown', () => {
    for (const line of ['0:', '4:', '2:x:room', '3::payload', '1:abc', '1:room-x', '1:-3']) {
      assert.deepEqual(parseServerLine(line), { type: 'unknown', line }, line);
    }
  });

  it('reads back every encoder output', () => {
    const text = (data: Buffer): string => data.toString('utf8').replace(/\n$/, '');
    assert.deepEqual(parseServerLine(text(encodeLoggedIn(5))), { type: 'logged-in', clientId: 5 });
    assert.deepEqual(parseServerLine(text(encodeUdpConnected(5))), {
      type: 'udp-connected',
      clientId: 5,
    });
    assert.deepEqual(parseServerLine(text(encodeRoomList([{ name: 'my-room', memberCount: 2 }]))), {
      type: 'room-list',
      rooms: [{ name: 'my-room', memberCount: 2 }],
    });
    assert.deepEqual(parseServerLine(text(encodeJoined(5, 'r'))), {
      type: 'joined',
      clientId: 5,
      room: 'r',
    });
    assert.deepEqual(parseServerLine(text(encodeLeft(5))), { type: 'left', clientId: 5 });
    assert.deepEqual(parseServerLine(text(encodeMaster(5))), { type: 'master', masterId: 5 });
    assert.deepEqual(parseServerLine(text(encodeMessage(5, Buffer.from('p:q')))), {
      type: 'message',
      senderId: 5,
      payload: 'p:q',
    });
    assert.deepEqual(parseServerLine(text(encodeError('room_full'))), {
      type: 'error',
      code: 'room_full',
      reason: 'the room is full',
    });
  });
});
