import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UdpAddress } from '../../src/core/types.js';
import { CoreHarness } from '../helpers/core-harness.js';

const KIB = 1024;
const SENDER_UDP: UdpAddress = { ip: '10.0.0.1', port: 7001 };
const READER_UDP: UdpAddress = { ip: '10.0.0.1', port: 7002 };

/** Client 1 sends, client 2 reads; both in room `r`, both UDP-bound. 10 KiB/s, burst 20 KiB. */
function pair(limits: ConstructorParameters<typeof CoreHarness>[0] = {}): CoreHarness {
  const core = new CoreHarness({
    byteRateLimitPerSecond: 10 * KIB,
    byteRateLimitBurst: 20 * KIB,
    rateLimitMaxStrikes: 2,
    ...limits,
  });
  core.client(1);
  core.client(2);
  core.send(1, '2:r');
  core.send(2, '2:r');
  core.datagram(SENDER_UDP, '0:1');
  core.datagram(READER_UDP, '0:2');
  core.reset();
  return core;
}

/** A `3:0:` line of exactly `bytes` bytes, tagged with its index. */
function line(index: number, bytes: number): string {
  const head = `3:0:${index}:`;
  return head + 'x'.repeat(bytes - head.length);
}

function relayed(core: CoreHarness): number {
  return core.linesFor(2).filter((text) => text.startsWith('3:1:')).length;
}

describe('relay: byte-rate limit (issue #15 item 4)', () => {
  it('relays large lines up to the byte burst, then drops them and refuses once with rate_limited', () => {
    const core = pair();
    // 8 KiB lines, far under the line rate: the third passes with the bucket in debt.
    for (let index = 0; index < 10; index += 1) core.send(1, line(index, 8 * KIB));
    assert.equal(relayed(core), 3);
    assert.deepEqual(core.linesFor(1), [
      '9:rate_limited:more than 10240 bytes a second; the excess is dropped',
    ]);
  });

  it('refills at the byte rate: the average stays at the rate', () => {
    const core = pair({ rateLimitMaxStrikes: 0 });
    for (let second = 1; second <= 10; second += 1) {
      core.tick(second * 1000);
      for (let index = 0; index < 20; index += 1) core.send(1, line(index, 2 * KIB));
    }
    // The burst (20 KiB) at the first second, then 10 KiB for each of the 9 seconds after, in
    // 2 KiB lines: 55, and never more than one line of debt a second on top.
    const count = relayed(core);
    assert.ok(count >= 55 && count <= 64, `${count} lines of 2 KiB relayed`);
  });

  it('lets a line larger than the burst through when the bucket is full', () => {
    const core = pair({ byteRateLimitBurst: 4 * KIB });
    core.send(1, line(0, 16 * KIB));
    core.send(1, line(1, 16));
    assert.equal(relayed(core), 1);
    // The debt is paid back at the rate: 12 KiB over, so 1.3 s later the bucket has tokens again.
    core.tick(1300);
    core.send(1, line(2, 16));
    assert.equal(relayed(core), 2);
  });

  it('closes a client over the byte limit rateLimitMaxStrikes seconds in a row', () => {
    const core = pair();
    for (let second = 1; second <= 3 && core.closed(1) === undefined; second += 1) {
      for (let index = 0; index < 10; index += 1) core.send(1, line(index, 8 * KIB));
      core.tick(second * 1000);
    }
    assert.equal(core.closed(1), 'rate_limit_exceeded');
    assert.equal(core.closed(2), undefined);
  });

  it('is off at 0 bytes a second', () => {
    const core = pair({ byteRateLimitPerSecond: 0 });
    for (let index = 0; index < 50; index += 1) core.send(1, line(index, 8 * KIB));
    assert.equal(relayed(core), 50);
  });

  it('holds datagrams from the bound address to the byte rate too, silently', () => {
    const core = pair();
    const payload = 'y'.repeat(4 * KIB);
    for (let index = 0; index < 20; index += 1) core.datagram(SENDER_UDP, `1:3:0:${payload}`);
    const got = core.datagramsTo(READER_UDP.ip, READER_UDP.port).length;
    assert.ok(got >= 5 && got <= 6, `${got} datagrams of 4 KiB relayed`);
    assert.deepEqual(core.datagramsTo(SENDER_UDP.ip, SENDER_UDP.port), []);
    // Datagram drops never close the client, and never cost its TCP bucket.
    core.send(1, line(0, 8 * KIB));
    assert.equal(relayed(core), 1);
  });
});
