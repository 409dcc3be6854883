import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeRoomEvents, encodeRoomBatch, roomMessage } from '../../src/cluster/channel-codec.js';
import { PublishBatches } from '../../src/cluster/publish-batches.js';
import type { RoomEvent } from '../../src/core/cluster-types.js';

const message = (clientId: number, text: string, udp = false): RoomEvent & { kind: 'message' } => ({
  kind: 'message',
  clientId,
  mode: 2,
  udp,
  payload: Buffer.from(text),
});

describe('one publish per room and turn', () => {
  it('carries several messages, payload bars and newlines included, and decodes them in order', () => {
    const events = [message(1, 'a|b|c'), message(22, ''), message(3, 'x\ny', true)];
    const batch = encodeRoomBatch(events.map(roomMessage));
    assert.equal(batch.subarray(0, 4).toString(), 'b|3|');
    assert.deepEqual(decodeRoomEvents(batch), events);
  });

  it('sends one message as itself, and decodes joins, leaves and garbage as before', () => {
    const single = encodeRoomBatch([roomMessage(message(5, 'hi'))]);
    assert.equal(single.toString(), 'm|5|2|0|hi');
    assert.deepEqual(decodeRoomEvents(Buffer.from('j|4|9')), [{ kind: 'join', clientId: 9 }]);
    assert.deepEqual(decodeRoomEvents(Buffer.from('b|x|')), []);
    // A cut batch yields what is whole, never a part of a message.
    const cut = encodeRoomBatch([message(5, 'hi'), message(6, 'long payload')].map(roomMessage));
    assert.deepEqual(decodeRoomEvents(cut.subarray(0, cut.length - 3)), [message(5, 'hi')]);
    // A batch carries messages only: a join smuggled into one is not applied.
    const smuggled = Buffer.concat([Buffer.from(`b|2|5|j|1|2${single.length}|`), single]);
    assert.deepEqual(decodeRoomEvents(smuggled), [message(5, 'hi')]);
    // Numbers are digits ending with a bar; modes and the UDP flag one digit each.
    for (const bad of ['m|1|0|2|p', 'm||0|0|p', 'm|1||0|p', 'm|1|0||p', 'm|1|00|0|p', 'm|1|0|0']) {
      assert.deepEqual(decodeRoomEvents(Buffer.from(bad)), [], bad);
    }
    assert.deepEqual(decodeRoomEvents(Buffer.from('m|7|1|1|')), [
      { kind: 'message', clientId: 7, mode: 1, udp: true, payload: Buffer.alloc(0) },
    ]);
  });

  it('gathers a turn per channel, leaves at the end of the turn, or at once on flush', async () => {
    const sent: string[] = [];
    const batches = new PublishBatches((channel, messages) =>
      sent.push(`${channel}:${messages.map(String).join(',')}`),
    );
    batches.add('r1', Buffer.from('a'));
    batches.add('r2', Buffer.from('b'));
    batches.add('r1', Buffer.from('c'));
    assert.deepEqual(sent, []);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(sent, ['r1:a,c', 'r2:b']);
    batches.add('r1', Buffer.from('d'));
    batches.flush();
    assert.deepEqual(sent.slice(2), ['r1:d']);
    batches.add('r1', Buffer.from('e'));
    batches.clear();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(sent.length, 3, 'cleared batches are not sent');
  });
});
