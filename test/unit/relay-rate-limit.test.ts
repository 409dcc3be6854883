import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoreHarness } from '../helpers/core-harness.js';

const BOUND = { ip: '10.0.0.1', port: 7000 };

/** Two clients in one room; client 1 sends, client 2 receives. */
function pair(limits: ConstructorParameters<typeof CoreHarness>[0]): CoreHarness {
  const core = new CoreHarness({ rateLimitPerSecond: 10, rateLimitBurst: 5, ...limits });
  core.client(1);
  core.client(2);
  core.send(1, '2:r');
  core.send(2, '2:r');
  return core;
}

function received(core: CoreHarness, connId: number): string[] {
  return core.linesFor(connId).filter((line) => line.startsWith('3:'));
}

describe('relay: message-rate limit', () => {
  it('relays a burst up to rateLimitBurst, then drops and refuses once with rate_limited', () => {
    // Burst 5, and the login and join took 2 tokens of client 1's bucket.
    const core = pair({});
    core.reset();
    for (let index = 0; index < 10; index += 1) core.send(1, `3:0:m${index}`);
    assert.deepEqual(received(core, 2), ['3:1:m0', '3:1:m1', '3:1:m2']);
    assert.deepEqual(core.linesFor(1), [
      '9:rate_limited:more than 10 messages a second; the excess is dropped',
    ]);
    assert.equal(core.closed(1), undefined);
  });

  it('refills the bucket from the tick clock at rateLimitPerSecond', () => {
    const core = pair({});
    for (let index = 0; index < 3; index += 1) core.send(1, '3:0:x');
    core.reset();
    core.tick(200);
    // 200 ms at 10 a second: two tokens.
    for (let index = 0; index < 5; index += 1) core.send(1, `3:0:m${index}`);
    assert.deepEqual(received(core, 2), ['3:1:m0', '3:1:m1']);
    core.reset();
    core.tick(10_000);
    // Never more than the burst, however long the client waited.
    for (let index = 0; index < 8; index += 1) core.send(1, `3:0:m${index}`);
    assert.equal(received(core, 2).length, 5);
  });

  it('refuses at most once per rate window, and reports the drops in one event', () => {
    const core = pair({ rateLimitBurst: 2 });
    core.reset();
    for (let index = 0; index < 50; index += 1) core.send(1, '3:0:x');
    assert.equal(core.linesFor(1).length, 1);
    core.tick(1000);
    assert.deepEqual(
      core.events().filter((event) => event.kind === 'rate-limited'),
      [{ kind: 'rate-limited', connId: 1, clientId: 1, dropped: 50, datagramsDropped: 0 }],
    );
    core.reset();
    for (let index = 0; index < 50; index += 1) core.send(1, '3:0:x');
    assert.equal(
      core.linesFor(1).filter((line) => line.startsWith('9:rate_limited')).length,
      1,
      'a new window may refuse once more',
    );
  });

  it('closes with rate_limit_exceeded after rateLimitMaxStrikes windows in a row over the limit', () => {
    const core = pair({ rateLimitMaxStrikes: 3 });
    for (let second = 1; second <= 3; second += 1) {
      for (let index = 0; index < 100; index += 1) core.send(1, '3:0:x');
      core.tick(second * 1000);
      if (second < 3) assert.equal(core.closed(1), undefined, `second ${second}`);
    }
    assert.equal(core.closed(1), 'rate_limit_exceeded');
    assert.match(core.linesFor(1).at(-1) ?? '', /^9:rate_limit_exceeded:/);
    // The room sees the normal leave.
    assert.equal(core.linesFor(2).at(-2), '2:1:');
  });

  it('forgives strikes after a window within the limit', () => {
    const core = pair({ rateLimitMaxStrikes: 2 });
    for (let index = 0; index < 100; index += 1) core.send(1, '3:0:x');
    core.tick(1000);
    core.tick(2000);
    for (let index = 0; index < 100; index += 1) core.send(1, '3:0:x');
    core.tick(3000);
    assert.equal(core.closed(1), undefined);
  });

  it('never closes when rateLimitMaxStrikes is 0', () => {
    const core = pair({ rateLimitMaxStrikes: 0 });
    for (let second = 1; second <= 20; second += 1) {
      for (let index = 0; index < 100; index += 1) core.send(1, '3:0:x');
      core.tick(second * 1000);
    }
    assert.equal(core.closed(1), undefined);
  });

  it('limits lines sent before login too', () => {
    const core = new CoreHarness({ rateLimitPerSecond: 10, rateLimitBurst: 3 });
    core.connect(1);
    for (let index = 0; index < 10; index += 1) core.send(1, 'junk');
    const refusals = core.linesFor(1).map((line) => line.split(':')[1]);
    assert.deepEqual(refusals, ['malformed', 'malformed', 'malformed', 'rate_limited']);
  });

  it('is off when rateLimitPerSecond is 0', () => {
    const core = pair({ rateLimitPerSecond: 0, rateLimitBurst: 1 });
    core.reset();
    for (let index = 0; index < 1000; index += 1) core.send(1, '3:0:x');
    assert.equal(received(core, 2).length, 1000);
    core.tick(1000);
    assert.deepEqual(
      core.events().filter((event) => event.kind === 'rate-limited'),
      [],
    );
  });

  it('drops datagrams over the limit silently, in a bucket of their own, without strikes', () => {
    const core = pair({ rateLimitMaxStrikes: 1 });
    core.datagram(BOUND, '0:1');
    core.datagram({ ip: '10.0.0.1', port: 7001 }, '0:2');
    core.reset();
    for (let index = 0; index < 10; index += 1) core.datagram(BOUND, `1:3:0:d${index}`);
    // The bind took one token of five.
    assert.equal(core.datagramsTo('10.0.0.1', 7001).length, 4);
    assert.deepEqual(core.datagramsTo(BOUND.ip, BOUND.port), []);
    assert.deepEqual(core.linesFor(1), []);
    // The lines' bucket is untouched.
    core.send(1, '3:0:tcp');
    assert.deepEqual(received(core, 2), ['3:1:tcp']);
    core.tick(1000);
    assert.equal(core.closed(1), undefined);
    assert.deepEqual(
      core.events().filter((event) => event.kind === 'rate-limited'),
      [{ kind: 'rate-limited', connId: 1, clientId: 1, dropped: 0, datagramsDropped: 6 }],
    );
  });

  it('bounds the bind answers a source can get', () => {
    const core = new CoreHarness({ rateLimitPerSecond: 10, rateLimitBurst: 3 });
    core.client(1);
    for (let index = 0; index < 20; index += 1) core.datagram(BOUND, '0:1');
    assert.equal(core.datagramsTo(BOUND.ip, BOUND.port).length, 3);
  });
});
