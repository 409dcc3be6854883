import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UdpAddress } from '../../src/core/types.js';
import { CoreHarness } from '../helpers/core-harness.js';

const SENDER_UDP: UdpAddress = { ip: '10.0.0.1', port: 7001 };
const READER_UDP: UdpAddress = { ip: '10.0.0.1', port: 7002 };

/** Client 1 (sender) and 2 (reader), both UDP-bound; recording starts after the setup. */
function pair(limits: ConstructorParameters<typeof CoreHarness>[0] = {}): CoreHarness {
  const core = new CoreHarness(limits);
  core.client(1);
  core.client(2);
  core.datagram(SENDER_UDP, '0:1');
  core.datagram(READER_UDP, '0:2');
  core.reset();
  return core;
}

/** `5:<name>:2:<absent ids...>`: a group of `size` ids, the reader first, the rest absent. */
function groupLine(name: string, size: number): string {
  const absent = Array.from({ length: size - 1 }, (_, index) => 1000 + index);
  return `5:${name}:${[2, ...absent].join(':')}`;
}

describe('relay: room and login password bounds (issue #15 item 6)', () => {
  it('refuses a join with an over-long password with bad_room_password, creating nothing', () => {
    const core = pair({ maxPasswordLength: 16 });
    core.send(1, `2:room:${'p'.repeat(17)}`);
    assert.deepEqual(core.linesFor(1), ['9:bad_room_password:a password is at most 16 characters']);
    assert.deepEqual(core.relay.rooms(), []);
    core.send(1, `2:room:${'p'.repeat(16)}`);
    assert.equal(core.relay.room('room')?.isPrivate, true);
  });

  it('refuses an over-long login password with bad_password, without asking the authenticator', () => {
    const core = new CoreHarness({ maxPasswordLength: 16 });
    core.connect(1);
    core.send(1, `0:alice:${'p'.repeat(17)}`);
    assert.deepEqual(core.linesFor(1), ['9:bad_password:a password is at most 16 characters']);
    assert.equal(core.awaitingAuth(1), false);
  });
});

describe('relay: ids across all groups (issue #15 item 9)', () => {
  it('refuses a group that would take the client past maxGroupIdsPerClient', () => {
    const core = pair({ maxGroupSize: 10, maxGroupIdsPerClient: 15 });
    core.send(1, groupLine('a', 10));
    core.send(1, groupLine('b', 6));
    assert.deepEqual(core.linesFor(1), [
      '9:too_many_group_ids:groups may name at most 15 ids in all',
    ]);
    core.send(1, '4:b:x');
    assert.match(core.linesFor(1).at(-1) ?? '', /^9:unknown_group:/);
    core.send(1, groupLine('b', 5));
    core.send(1, '4:b:x');
    assert.deepEqual(core.linesFor(2), ['3:1:x']);
  });

  it('counts a replaced group once, and frees the ids of a deleted one', () => {
    const core = pair({ maxGroupSize: 10, maxGroupIdsPerClient: 15 });
    core.send(1, groupLine('a', 10));
    core.send(1, groupLine('a', 10));
    core.send(1, groupLine('b', 5));
    core.send(1, '5:a');
    core.send(1, groupLine('c', 10));
    // Repeats count once, as for maxGroupSize: c now holds one id, 6 in all.
    core.send(1, '5:c:2:2:2:2:2:2');
    core.send(1, groupLine('d', 9));
    assert.deepEqual(core.linesFor(1), []);
    core.send(1, '5:e:2');
    assert.match(core.linesFor(1).at(-1) ?? '', /^9:too_many_group_ids:/);
  });

  it('forgets the count with the client: a new connection starts from zero', () => {
    const core = pair({ maxGroupSize: 10, maxGroupIdsPerClient: 10 });
    core.send(1, groupLine('a', 10));
    core.disconnect(1);
    core.client(3);
    core.send(3, groupLine('a', 10));
    assert.deepEqual(core.linesFor(3).slice(1), []);
  });
});

describe('relay: group fan-out budget (issue #15 item 8)', () => {
  it('drops group messages past groupFanoutPerSecond recipients and refuses once with rate_limited', () => {
    // Budget 1000 a second, burst 2000: a group of 100 ids may be sent to 20 times at once.
    const core = pair({ maxGroupSize: 100, groupFanoutPerSecond: 1000, rateLimitMaxStrikes: 2 });
    core.send(1, groupLine('big', 100));
    for (let index = 0; index < 50; index += 1) core.send(1, `4:big:m${index}`);
    assert.equal(core.linesFor(2).length, 20);
    assert.deepEqual(core.linesFor(1), [
      '9:rate_limited:more than 1000 group recipients a second; the excess is dropped',
    ]);
    // Refilled at the budget's rate.
    core.tick(1000);
    for (let index = 0; index < 50; index += 1) core.send(1, `4:big:n${index}`);
    assert.equal(core.linesFor(2).length, 30);
  });

  it('charges the ids named, present or absent, and leaves room messages alone', () => {
    const core = pair({ maxGroupSize: 100, groupFanoutPerSecond: 1000 });
    core.send(1, '2:r');
    core.send(2, '2:r');
    core.send(1, '5:small:2');
    core.send(1, groupLine('big', 100));
    for (let index = 0; index < 20; index += 1) core.send(1, '4:big:x');
    core.reset();
    core.send(1, '4:small:x');
    assert.deepEqual(core.linesFor(2), []);
    core.send(1, '3:0:room');
    assert.deepEqual(core.linesFor(2), ['3:1:room']);
  });

  it('closes a client over the budget rateLimitMaxStrikes seconds in a row', () => {
    const core = pair({ maxGroupSize: 100, groupFanoutPerSecond: 1000, rateLimitMaxStrikes: 2 });
    core.send(1, groupLine('big', 100));
    for (let second = 1; second <= 3 && core.closed(1) === undefined; second += 1) {
      for (let index = 0; index < 50; index += 1) core.send(1, '4:big:x');
      core.tick(second * 1000);
    }
    assert.equal(core.closed(1), 'rate_limit_exceeded');
  });

  it('holds group datagrams to the same budget, silently and without striking', () => {
    const core = pair({ maxGroupSize: 100, groupFanoutPerSecond: 1000, rateLimitMaxStrikes: 1 });
    core.send(1, groupLine('big', 100));
    core.reset();
    for (let index = 0; index < 50; index += 1) core.datagram(SENDER_UDP, `1:4:big:d${index}`);
    assert.equal(core.datagramsTo(READER_UDP.ip, READER_UDP.port).length, 20);
    assert.deepEqual(core.datagramsTo(SENDER_UDP.ip, SENDER_UDP.port), []);
    core.tick(1000);
    core.tick(2000);
    assert.equal(core.closed(1), undefined);
  });

  it('is off at 0', () => {
    const core = pair({ maxGroupSize: 100, groupFanoutPerSecond: 0 });
    core.send(1, groupLine('big', 100));
    for (let index = 0; index < 50; index += 1) core.send(1, '4:big:x');
    assert.equal(core.linesFor(2).length, 50);
  });
});
