import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeGroupEvent,
  decodeRoomEvent,
  encodeGroupMessage,
  encodeRoomBatch,
  RedisKeys,
  roomMessage,
} from '../../src/cluster/channel-codec.js';
import { IdBlocks } from '../../src/cluster/id-blocks.js';
import { RoomChannels } from '../../src/cluster/room-channels.js';
import type { ClusterInput, RoomEvent } from '../../src/core/cluster-types.js';

function channels(): { rooms: RoomChannels; log: (ClusterInput | string)[] } {
  const log: (ClusterInput | string)[] = [];
  const rooms = new RoomChannels({
    feed: (input) => log.push(input),
    subscribe: (room) => log.push(`subscribe ${room}`),
    unsubscribe: (room) => log.push(`unsubscribe ${room}`),
  });
  return { rooms, log };
}

const join = (clientId: number): RoomEvent => ({ kind: 'join', clientId });
const leave = (clientId: number): RoomEvent => ({ kind: 'leave', clientId });
const snapshot = { password: '', memberIds: [5] };

describe('room channels: where a replica starts', () => {
  it('discards events before its own join, and starts from the snapshot at that join', () => {
    const { rooms, log } = channels();
    rooms.beginJoin('r', 1);
    rooms.event('r', join(5));
    rooms.joined('r', 1, snapshot);
    rooms.event('r', join(1));
    rooms.event('r', leave(5));
    assert.deepEqual(log, [
      'subscribe r',
      { type: 'room-snapshot', room: 'r', ...snapshot },
      { type: 'room-event', room: 'r', event: join(1) },
      { type: 'room-event', room: 'r', event: leave(5) },
    ]);
  });

  it('buffers the events after its join until the script reply brings the snapshot', () => {
    const { rooms, log } = channels();
    rooms.beginJoin('r', 1);
    rooms.beginJoin('r', 2);
    rooms.event('r', join(1));
    rooms.event('r', join(2));
    rooms.joined('r', 2, snapshot);
    assert.deepEqual(log, ['subscribe r']);
    rooms.joined('r', 1, snapshot);
    assert.deepEqual(log.slice(1), [
      { type: 'room-snapshot', room: 'r', ...snapshot },
      { type: 'room-event', room: 'r', event: join(1) },
      { type: 'room-event', room: 'r', event: join(2) },
    ]);
    assert.deepEqual(rooms.rooms(), ['r']);
  });

  it('unsubscribes when the replica goes and no join is pending, or a join is refused', () => {
    const { rooms, log } = channels();
    rooms.beginJoin('r', 1);
    rooms.joined('r', 1, snapshot);
    rooms.event('r', join(1));
    rooms.beginJoin('r', 2);
    rooms.event('r', join(2));
    rooms.joined('r', 2, snapshot);
    rooms.unwatch('r');
    rooms.unwatch('r');
    rooms.beginJoin('q', 3);
    rooms.refused('q', 3);
    rooms.refused('q', 3);
    rooms.joined('q', 3, snapshot);
    rooms.event('q', join(3));
    assert.deepEqual(
      log.filter((entry) => typeof entry === 'string'),
      ['subscribe r', 'unsubscribe r', 'subscribe q', 'unsubscribe q'],
    );
  });

  it('keeps listening through an unwatch while a join is in flight, then starts again', () => {
    const { rooms, log } = channels();
    rooms.beginJoin('r', 1);
    rooms.joined('r', 1, snapshot);
    rooms.event('r', join(1));
    rooms.beginJoin('r', 2);
    rooms.event('r', leave(1));
    rooms.unwatch('r');
    rooms.event('r', join(9));
    rooms.event('r', join(2));
    rooms.joined('r', 2, { password: '', memberIds: [9] });
    assert.deepEqual(log.slice(-3), [
      { type: 'room-event', room: 'r', event: leave(1) },
      { type: 'room-snapshot', room: 'r', password: '', memberIds: [9] },
      { type: 'room-event', room: 'r', event: join(2) },
    ]);
    rooms.clear();
    assert.deepEqual(rooms.rooms(), []);
  });
});

describe('backplane messages', () => {
  it('round-trips room messages with binary payloads, and group messages', () => {
    const payload = Buffer.from([0x7c, 0x3a, 0xff, 0x00]);
    const message = { kind: 'message', clientId: 12, mode: 3, udp: true, payload } as const;
    assert.deepEqual(decodeRoomEvent(encodeRoomBatch([roomMessage(message)])), message);
    const group = { senderId: 4, targets: [1, 2], udp: false, payload };
    assert.deepEqual(decodeGroupEvent(encodeGroupMessage(group)), group);
    const empty = { senderId: 4, targets: [], udp: true, payload: Buffer.alloc(0) };
    assert.deepEqual(decodeGroupEvent(encodeGroupMessage(empty)), empty);
  });

  it('reads the join and leave events the scripts publish, and rejects anything else', () => {
    assert.deepEqual(decodeRoomEvent(Buffer.from('j|7|42')), join(42));
    assert.deepEqual(decodeRoomEvent(Buffer.from('l|8|42')), leave(42));
    for (const bad of ['', 'j|', 'j|1|x', 'x|1|2', 'm|1|9|0|p', 'm|a|1|0|p', 'm|1']) {
      assert.equal(decodeRoomEvent(Buffer.from(bad)), undefined, bad);
    }
    for (const bad of ['', 'g|x|0||p', 'g|1|0|a,b|p', 'm|1|0|2|p', 'g|1']) {
      assert.equal(decodeGroupEvent(Buffer.from(bad)), undefined, bad);
    }
  });

  it('puts a room in the hash tag of its channel and finds it again', () => {
    const keys = new RedisKeys('rw');
    assert.equal(keys.roomChannel('lobby'), 'rw:room:{lobby}');
    assert.equal(keys.roomOfChannel('rw:room:{lobby}'), 'lobby');
    assert.equal(keys.roomOfChannel('rw:{groups}'), undefined);
    assert.equal(keys.nodeAlive('n1'), 'rw:node:{n1}:alive');
  });
});

describe('client id blocks', () => {
  it('hands out ids from blocks, fetching the next one at half way, never reusing one', async () => {
    let counter = 0;
    const blocks = new IdBlocks(
      4,
      (size) => Promise.resolve((counter += size)),
      () => assert.fail(),
    );
    await blocks.start();
    assert.deepEqual([blocks.next(), blocks.next()], [1, 2]);
    await Promise.resolve();
    assert.equal(blocks.highest(), 8);
    assert.deepEqual([blocks.next(), blocks.next(), blocks.next()], [3, 4, 5]);
    assert.equal(blocks.available(), 3);
  });

  it('answers -1 when the blocks are used up and the counter cannot be reached', async () => {
    let fail = false;
    const errors: unknown[] = [];
    const blocks = new IdBlocks(
      2,
      (size) => (fail ? Promise.reject(new Error('down')) : Promise.resolve(size)),
      (error) => errors.push(error),
    );
    await blocks.start();
    fail = true;
    assert.deepEqual([blocks.next(), blocks.next(), blocks.next()], [1, 2, -1]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(errors.length, 1);
  });
});
