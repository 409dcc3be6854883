import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoreHarness } from '../helpers/core-harness.js';

/** The `9:` lines a connection received, as codes. */
function codes(core: CoreHarness, connId: number): string[] {
  return core
    .linesFor(connId)
    .filter((line) => line.startsWith('9:'))
    .map((line) => line.split(':')[1] as string);
}

describe('relay: login deadline', () => {
  it('closes a connection that has not logged in by loginTimeoutMs with login_timeout', () => {
    const core = new CoreHarness({ loginTimeoutMs: 1000 });
    core.tick(5000);
    core.connect(1);
    core.tick(5999);
    assert.equal(core.closed(1), undefined);
    core.tick(6000);
    assert.equal(core.closed(1), 'login_timeout');
    assert.deepEqual(core.linesFor(1), ['9:login_timeout:no login within 1000 ms']);
    assert.equal(core.relay.counts().connections, 0);
  });

  it('spares a connection that logged in in time', () => {
    const core = new CoreHarness({ loginTimeoutMs: 1000 });
    core.client(1);
    core.tick(60_000);
    assert.equal(core.closed(1), undefined);
  });

  it('closes a connection whose login is still being checked at the deadline', () => {
    const core = new CoreHarness({ loginTimeoutMs: 1000 });
    core.connect(1);
    core.send(1, '0:slow:pw');
    core.tick(1000);
    assert.equal(core.closed(1), 'login_timeout');
    // The verdict arriving late changes nothing.
    core.relay.handle({ type: 'auth-result', connId: 1, accepted: true });
    assert.equal(core.relay.counts().clients, 0);
  });

  it('closes a connection that keeps failing to log in, whatever it sends', () => {
    const core = new CoreHarness({ loginTimeoutMs: 1000, maxAuthFailures: 100 });
    core.connect(1);
    for (let now = 100; now < 1000; now += 100) {
      core.tick(now);
      core.send(1, '1');
    }
    core.tick(1000);
    assert.equal(core.closed(1), 'login_timeout');
  });

  it('is off when loginTimeoutMs is 0', () => {
    const core = new CoreHarness({ loginTimeoutMs: 0 });
    core.connect(1);
    core.tick(1e9);
    assert.equal(core.closed(1), undefined);
  });

  it('never moves the clock backwards', () => {
    const core = new CoreHarness({ loginTimeoutMs: 1000 });
    core.tick(10_000);
    core.connect(1);
    core.tick(0);
    core.tick(10_999);
    assert.equal(core.closed(1), undefined);
    core.tick(11_000);
    assert.equal(core.closed(1), 'login_timeout');
  });
});

describe('relay: ping (8:<token>)', () => {
  it('answers 8:<token> at once, and 8: to an empty ping', () => {
    const core = new CoreHarness();
    core.client(1);
    core.send(1, '8:42:abc');
    core.send(1, '8');
    assert.deepEqual(core.linesFor(1), ['0:1', '8:42:abc', '8:']);
  });

  it('refuses a ping before login with not_logged_in, as every command but 0', () => {
    const core = new CoreHarness();
    core.connect(1);
    core.send(1, '8:x');
    assert.deepEqual(codes(core, 1), ['not_logged_in']);
  });

  it('tells nobody else', () => {
    const core = new CoreHarness();
    core.client(1);
    core.client(2);
    core.send(1, '2:r');
    core.send(2, '2:r');
    core.reset();
    core.send(1, '8:t');
    assert.deepEqual(core.deliveries(), [{ connId: 1, line: '8:t' }]);
  });
});

describe('relay: idle timeout', () => {
  function room(core: CoreHarness): void {
    core.client(1);
    core.client(2);
    core.send(1, '2:lobby');
    core.send(2, '2:lobby');
  }

  it('leaves a client that never pinged alone, however long it is silent', () => {
    const core = new CoreHarness({ idleTimeoutMs: 1000 });
    room(core);
    core.tick(1e9);
    assert.equal(core.closed(1), undefined);
  });

  it('closes a client that pinged and then was silent for idleTimeoutMs, and its room sees it leave', () => {
    const core = new CoreHarness({ idleTimeoutMs: 1000 });
    room(core);
    core.tick(100);
    core.send(1, '8:x');
    core.send(2, '8:y');
    core.tick(600);
    core.send(2, '3:0:still here');
    core.reset();
    core.tick(1099);
    assert.equal(core.closed(1), undefined);
    core.tick(1100);
    assert.equal(core.closed(1), 'idle_timeout');
    assert.deepEqual(core.linesFor(1), ['9:idle_timeout:nothing received for 1000 ms']);
    // Client 1 was the master: client 2 sees it leave and becomes master.
    assert.deepEqual(core.linesFor(2), ['2:1:', '4:2']);
    assert.equal(core.closed(2), undefined);
    core.tick(1600);
    assert.equal(core.closed(2), 'idle_timeout');
    assert.deepEqual(core.relay.rooms(), []);
  });

  it('counts any line as input, refused ones included', () => {
    const core = new CoreHarness({ idleTimeoutMs: 1000 });
    core.client(1);
    core.send(1, '8:');
    for (let now = 500; now <= 5000; now += 500) {
      core.tick(now);
      core.send(1, 'junk');
    }
    assert.equal(core.closed(1), undefined);
  });

  it('counts a datagram from the bound address as input', () => {
    const core = new CoreHarness({ idleTimeoutMs: 1000 });
    core.client(1);
    core.send(1, '8:');
    core.datagram({ ip: '10.0.0.1', port: 7000 }, '0:1');
    for (let now = 500; now <= 5000; now += 500) {
      core.tick(now);
      core.datagram({ ip: '10.0.0.1', port: 7000 }, '1:3:0:hi');
    }
    assert.equal(core.closed(1), undefined);
    core.tick(6000);
    assert.equal(core.closed(1), 'idle_timeout');
  });

  it('applies to every logged-in client with idleTimeoutAll', () => {
    const core = new CoreHarness({ idleTimeoutMs: 1000, idleTimeoutAll: true });
    core.client(1);
    core.tick(1000);
    assert.equal(core.closed(1), 'idle_timeout');
  });

  it('is off when idleTimeoutMs is 0', () => {
    const core = new CoreHarness({ idleTimeoutMs: 0, idleTimeoutAll: true });
    core.client(1);
    core.send(1, '8:');
    core.tick(1e9);
    assert.equal(core.closed(1), undefined);
  });
});

describe('relay: connections per IP', () => {
  it('refuses a connection beyond maxConnectionsPerIp with too_many_connections_from_ip', () => {
    const core = new CoreHarness({ maxConnectionsPerIp: 2 });
    core.connect(1, '10.0.0.1');
    core.connect(2, '10.0.0.1');
    core.connect(3, '10.0.0.1');
    core.connect(4, '10.0.0.2');
    assert.equal(core.closed(3), 'too_many_connections_from_ip');
    assert.deepEqual(codes(core, 3), ['too_many_connections_from_ip']);
    assert.equal(core.closed(1), undefined);
    assert.equal(core.closed(4), undefined);
  });

  it('gives the place back when a connection from that IP goes, however it goes', () => {
    const core = new CoreHarness({ maxConnectionsPerIp: 1, loginTimeoutMs: 100 });
    core.connect(1, '10.0.0.9');
    core.disconnect(1);
    core.connect(2, '10.0.0.9');
    assert.equal(core.closed(2), undefined);
    core.tick(100);
    assert.equal(core.closed(2), 'login_timeout');
    core.connect(3, '10.0.0.9');
    assert.equal(core.closed(3), undefined);
    core.connect(4, '10.0.0.9');
    assert.equal(core.closed(4), 'too_many_connections_from_ip');
    core.connect(5, '10.0.0.9');
    assert.equal(core.closed(5), 'too_many_connections_from_ip');
    core.disconnect(3);
    core.connect(6, '10.0.0.9');
    assert.equal(core.closed(6), undefined);
  });

  it('answers server_full rather than the per-IP code when both are passed', () => {
    const core = new CoreHarness({ maxConnectionsPerIp: 1, maxConnections: 1 });
    core.connect(1);
    core.connect(2);
    assert.equal(core.closed(2), 'server_full');
  });

  it('does not count the addresses in maxConnectionsPerIpExempt', () => {
    const core = new CoreHarness({
      maxConnectionsPerIp: 1,
      maxConnectionsPerIpExempt: new Set(['127.0.0.1']),
    });
    for (let connId = 1; connId <= 5; connId += 1) core.connect(connId, '127.0.0.1');
    core.disconnect(1);
    core.connect(6, '10.0.0.5');
    core.connect(7, '10.0.0.5');
    assert.equal(core.relay.counts().connections, 5);
    assert.equal(core.closed(7), 'too_many_connections_from_ip');
  });

  it('is off when maxConnectionsPerIp is 0', () => {
    const core = new CoreHarness({ maxConnectionsPerIp: 0 });
    for (let connId = 1; connId <= 50; connId += 1) core.connect(connId);
    assert.equal(core.relay.counts().connections, 50);
  });
});
