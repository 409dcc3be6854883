import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RelayLimits } from '../../src/core/types.js';
import { CoreHarness } from '../helpers/core-harness.js';

/**
 * Clients 1, 2, 3 in room `lobby` (1 is master), client 4 in room `other`, client 5 in no
 * room; connection ids equal client ids. Recording starts after the setup.
 */
function scene(limits: Partial<RelayLimits> = {}): CoreHarness {
  const core = new CoreHarness(limits);
  for (let connId = 1; connId <= 5; connId += 1) core.client(connId);
  for (const connId of [1, 2, 3]) core.send(connId, '2:lobby');
  core.send(4, '2:other');
  core.reset();
  return core;
}

const NOT_IN_ROOM = '9:not_in_room:join a room first';
const UNKNOWN_GROUP = '9:unknown_group:no such group; define it with 5:group:ids';

describe('relay: room messages', () => {
  for (const mode of [0, 2]) {
    it(`relays mode ${mode} to the others in the room, not the sender`, () => {
      const core = scene();
      core.send(1, `3:${mode}:hi`);
      assert.deepEqual(core.deliveries(), [
        { connId: 2, line: '3:1:hi' },
        { connId: 3, line: '3:1:hi' },
      ]);
    });
  }

  for (const mode of [1, 3]) {
    it(`relays mode ${mode} to everyone in the room, the sender included`, () => {
      const core = scene();
      core.send(2, `3:${mode}:hi`);
      assert.deepEqual(core.deliveries(), [
        { connId: 1, line: '3:2:hi' },
        { connId: 2, line: '3:2:hi' },
        { connId: 3, line: '3:2:hi' },
      ]);
    });
  }

  it('passes the payload through byte for byte, colons and UTF-8 included', () => {
    const core = scene();
    const payload = Buffer.from('a:b::é€😀\tZ', 'utf8');
    core.send(1, Buffer.concat([Buffer.from('3:1:'), payload]));
    const fanouts = core.effects.filter((effect) => effect.type === 'fanout');
    assert.equal(fanouts.length, 1, 'encoded once for every recipient');
    assert.deepEqual(
      fanouts[0]?.data,
      Buffer.concat([Buffer.from('3:1:'), payload, Buffer.from('\n')]),
    );
  });

  it('relays an empty payload', () => {
    const core = scene();
    core.send(3, '3:0:');
    assert.deepEqual(core.linesFor(1), ['3:3:']);
  });

  it('refuses a message from a client in no room with not_in_room', () => {
    const core = scene();
    core.send(5, '3:1:hi');
    assert.deepEqual(core.deliveries(), [{ connId: 5, line: NOT_IN_ROOM }]);
  });

  it('never delivers a room message to another room', () => {
    const core = scene();
    core.send(4, '3:1:mine');
    core.send(1, '3:1:yours');
    assert.deepEqual(core.linesFor(4), ['3:4:mine']);
    assert.deepEqual(core.linesFor(5), []);
  });

  it('delivers one sender’s messages to one receiver in sending order, whatever the mode', () => {
    const core = scene();
    for (const [index, mode] of [0, 1, 2, 3, 0, 2].entries()) core.send(1, `3:${mode}:m${index}`);
    assert.deepEqual(core.linesFor(2), [
      '3:1:m0',
      '3:1:m1',
      '3:1:m2',
      '3:1:m3',
      '3:1:m4',
      '3:1:m5',
    ]);
  });

  it('stops delivering to a client once it left the room', () => {
    const core = scene();
    core.send(2, '2:-1');
    core.reset();
    core.send(1, '3:1:after');
    assert.deepEqual(core.linesFor(2), []);
    core.send(2, '3:1:x');
    assert.deepEqual(core.linesFor(2), [NOT_IN_ROOM]);
  });
});

describe('relay: groups', () => {
  it('relays a group message to the named clients in any room, not the sender unless named', () => {
    const core = scene();
    core.send(1, '5:team:2:4:5');
    core.send(1, '4:team:hello:there');
    assert.deepEqual(core.deliveries(), [
      { connId: 2, line: '3:1:hello:there' },
      { connId: 4, line: '3:1:hello:there' },
      { connId: 5, line: '3:1:hello:there' },
    ]);
  });

  it('delivers to the sender when it named itself', () => {
    const core = scene();
    core.send(5, '5:me:5:3');
    core.send(5, '4:me:x');
    assert.deepEqual(core.deliveries(), [
      { connId: 5, line: '3:5:x' },
      { connId: 3, line: '3:5:x' },
    ]);
  });

  it('delivers once to a client named several times', () => {
    const core = scene();
    core.send(1, '5:g:2:2:3:2');
    core.send(1, '4:g:x');
    assert.deepEqual(core.linesFor(2), ['3:1:x']);
    assert.deepEqual(core.linesFor(3), ['3:1:x']);
  });

  it('refuses an unknown group with unknown_group', () => {
    const core = scene();
    core.send(1, '4:nope:x');
    assert.deepEqual(core.deliveries(), [{ connId: 1, line: UNKNOWN_GROUP }]);
  });

  it('keeps groups per client: another client cannot use mine', () => {
    const core = scene();
    core.send(1, '5:g:2');
    core.send(3, '4:g:x');
    assert.deepEqual(core.deliveries(), [{ connId: 3, line: UNKNOWN_GROUP }]);
  });

  it('clears a group with 5:group and no ids', () => {
    const core = scene();
    core.send(1, '5:g:2');
    core.send(1, '5:g');
    core.send(1, '4:g:x');
    assert.deepEqual(core.deliveries(), [{ connId: 1, line: UNKNOWN_GROUP }]);
  });

  it('replaces a group defined again', () => {
    const core = scene();
    core.send(1, '5:g:2');
    core.send(1, '5:g:3');
    core.send(1, '4:g:x');
    assert.deepEqual(core.deliveries(), [{ connId: 3, line: '3:1:x' }]);
  });

  it('skips disconnected and unknown clients without an error', () => {
    const core = scene();
    core.send(1, '5:g:2:3:99');
    core.disconnect(3);
    core.reset();
    core.send(1, '4:g:x');
    assert.deepEqual(core.deliveries(), [{ connId: 2, line: '3:1:x' }]);
    core.send(1, '5:h:3:99');
    core.send(1, '4:h:x');
    assert.deepEqual(core.deliveries(), [{ connId: 2, line: '3:1:x' }]);
  });

  it('lets a client in no room send to its group', () => {
    const core = scene();
    core.send(5, '5:g:4');
    core.send(5, '4:g:p');
    assert.deepEqual(core.deliveries(), [{ connId: 4, line: '3:5:p' }]);
  });

  it('refuses a group naming more distinct clients than maxGroupSize with group_too_large', () => {
    const core = scene({ maxGroupSize: 2 });
    core.send(1, '5:g:2:3:4');
    core.send(1, '5:g:2:3:3:2');
    core.send(1, '4:g:x');
    assert.deepEqual(core.deliveries(), [
      { connId: 1, line: '9:group_too_large:the group names too many clients' },
      { connId: 2, line: '3:1:x' },
      { connId: 3, line: '3:1:x' },
    ]);
  });

  it('refuses a group past maxGroupsPerClient with too_many_groups, but allows redefining one', () => {
    const core = scene({ maxGroupsPerClient: 1 });
    core.send(1, '5:a:2');
    core.send(1, '5:b:3');
    core.send(1, '5:a:3');
    core.send(1, '4:a:x');
    assert.deepEqual(core.deliveries(), [
      { connId: 1, line: '9:too_many_groups:this client has too many groups' },
      { connId: 3, line: '3:1:x' },
    ]);
  });

  it('refuses an empty, over-long or control-character group name with bad_group_name', () => {
    const core = scene({ maxGroupNameLength: 4 });
    for (const line of ['5::2', '5:abcde:2', '5:a\tb:2']) core.send(1, line);
    assert.deepEqual(core.linesFor(1), Array(3).fill('9:bad_group_name:invalid group name'));
    core.send(1, '5:abcd:2');
    core.send(1, '4:abcd:x');
    assert.deepEqual(core.linesFor(2), ['3:1:x']);
  });

  it('refuses a non-numeric id with bad_client_id and keeps the old group', () => {
    const core = scene();
    core.send(1, '5:g:2');
    core.send(1, '5:g:3:x');
    core.send(1, '4:g:y');
    assert.deepEqual(core.deliveries(), [
      { connId: 1, line: '9:bad_client_id:client ids are non-negative integers' },
      { connId: 2, line: '3:1:y' },
    ]);
  });

  it('forgets a client’s groups when it disconnects', () => {
    const core = scene();
    core.send(1, '5:g:2');
    core.disconnect(1);
    core.connect(1);
    core.login(1, 'again');
    core.reset();
    core.send(1, '4:g:x');
    assert.deepEqual(core.deliveries(), [{ connId: 1, line: UNKNOWN_GROUP }]);
  });
});
