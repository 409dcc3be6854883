import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UdpAddress } from '../../src/core/types.js';
import { CoreHarness } from '../helpers/core-harness.js';

/** Client n (connection n) comes from 10.0.0.n and binds UDP from port 5000 + n. */
function ipOf(clientId: number): string {
  return `10.0.0.${clientId}`;
}
function udpOf(clientId: number): UdpAddress {
  return { ip: ipOf(clientId), port: 5000 + clientId };
}

/**
 * Clients 1, 2, 3 in room `lobby`, client 4 in no room. Clients in `bound` bind their UDP
 * address. Recording starts after the setup.
 */
function scene(bound: readonly number[] = [1, 2]): CoreHarness {
  const core = new CoreHarness();
  for (let clientId = 1; clientId <= 4; clientId += 1)
    core.client(clientId, `u${clientId}`, ipOf(clientId));
  for (const connId of [1, 2, 3]) core.send(connId, '2:lobby');
  for (const clientId of bound) core.datagram(udpOf(clientId), `0:${clientId}`);
  core.reset();
  return core;
}

/** Every datagram sent, as `ip:port <- text`, for exact comparisons. */
function sent(core: CoreHarness): string[] {
  return core.allDatagrams().map(({ to, text }) => `${to.ip}:${to.port} <- ${text}`);
}

function boundOf(core: CoreHarness, connId: number): boolean | undefined {
  return core.relay.sessions().find((session) => session.connId === connId)?.udpBound;
}

describe('relay: UDP binding', () => {
  it('binds 0:<id> from the TCP session’s IP and answers 0:<id>:connected to that address', () => {
    const core = scene([]);
    core.datagram(udpOf(1), '0:1');
    assert.deepEqual(sent(core), ['10.0.0.1:5001 <- 0:1:connected']);
    assert.equal(boundOf(core, 1), true);
    assert.deepEqual(core.linesFor(1), [], 'the answer goes over UDP only');
  });

  it('binds the Unity form <id>:0:<anything> the same way', () => {
    const core = scene([]);
    core.datagram(udpOf(2), '2:0:Hello');
    assert.deepEqual(sent(core), ['10.0.0.2:5002 <- 0:2:connected']);
    assert.equal(boundOf(core, 2), true);
  });

  it('tolerates a trailing newline on a bind', () => {
    const core = scene([]);
    core.datagram(udpOf(1), '0:1\n');
    assert.deepEqual(sent(core), ['10.0.0.1:5001 <- 0:1:connected']);
  });

  it('answers a repeated bind again', () => {
    const core = scene([1]);
    core.datagram(udpOf(1), '0:1');
    core.datagram(udpOf(1), '1:0:again');
    assert.deepEqual(sent(core), [
      '10.0.0.1:5001 <- 0:1:connected',
      '10.0.0.1:5001 <- 0:1:connected',
    ]);
  });

  it('drops a bind from another IP with no datagram at all', () => {
    const core = scene([]);
    core.datagram({ ip: '10.9.9.9', port: 5001 }, '0:1');
    core.datagram({ ip: ipOf(2), port: 5001 }, '1:0:Hello');
    assert.deepEqual(sent(core), []);
    assert.equal(boundOf(core, 1), false);
  });

  it('drops a bind for an unknown client or a connection not logged in', () => {
    const core = scene([]);
    core.connect(9, '10.0.0.9');
    core.datagram({ ip: '10.0.0.9', port: 1 }, '0:99');
    core.datagram({ ip: '10.0.0.9', port: 1 }, '0:0');
    assert.deepEqual(sent(core), []);
  });

  it('drops a bind from an address already bound to another client on the same IP', () => {
    const core = new CoreHarness();
    core.client(1, 'a', '10.0.0.1');
    core.client(2, 'b', '10.0.0.1');
    core.datagram({ ip: '10.0.0.1', port: 7000 }, '0:1');
    core.reset();
    core.datagram({ ip: '10.0.0.1', port: 7000 }, '0:2');
    assert.deepEqual(sent(core), []);
    assert.equal(boundOf(core, 2), false);
  });

  it('unbinds a client when it disconnects', () => {
    const core = scene([1, 2]);
    core.disconnect(1);
    assert.equal(boundOf(core, 1), undefined);
    core.datagram(udpOf(1), '1:3:1:ghost');
    core.datagram(udpOf(2), '2:3:1:alive');
    assert.deepEqual(sent(core), ['10.0.0.2:5002 <- 3:2:alive']);
  });
});

describe('relay: UDP messages', () => {
  it('relays mode 1 to every bound member of the room, the sender included', () => {
    const core = scene([1, 2, 4]);
    core.datagram(udpOf(1), '1:3:1:hi:there');
    assert.deepEqual(sent(core), [
      '10.0.0.1:5001 <- 3:1:hi:there',
      '10.0.0.2:5002 <- 3:1:hi:there',
    ]);
    assert.deepEqual(core.deliveries(), [], 'a UDP message never goes out over TCP');
  });

  for (const mode of [0, 2]) {
    it(`relays mode ${mode} to the bound others, not the sender`, () => {
      const core = scene([1, 2]);
      core.datagram(udpOf(1), `1:3:${mode}:x`);
      assert.deepEqual(sent(core), ['10.0.0.2:5002 <- 3:1:x']);
    });
  }

  it('relays mode 3 like mode 1', () => {
    const core = scene([1, 2]);
    core.datagram(udpOf(2), '2:3:3:x\n');
    assert.deepEqual(sent(core), ['10.0.0.1:5001 <- 3:2:x', '10.0.0.2:5002 <- 3:2:x']);
  });

  it('passes the payload through byte for byte', () => {
    const core = scene([1, 2]);
    const payload = Buffer.from('é€😀:a', 'utf8');
    core.datagram(udpOf(1), Buffer.concat([Buffer.from('1:3:0:'), payload]));
    const datagrams = core.effects.filter((effect) => effect.type === 'datagram');
    assert.deepEqual(datagrams[0]?.data, Buffer.concat([Buffer.from('3:1:'), payload]));
  });

  it('accepts a send only from the address bound to the claimed id', () => {
    const core = scene([1, 2]);
    core.datagram({ ip: ipOf(1), port: 9999 }, '1:3:1:other-port');
    core.datagram({ ip: '10.9.9.9', port: 5001 }, '1:3:1:other-ip');
    assert.deepEqual(sent(core), []);
  });

  it('drops a spoofed id sent from another client’s bound address', () => {
    const core = scene([1, 2]);
    core.datagram(udpOf(1), '2:3:1:spoof');
    core.datagram(udpOf(1), '2:4:g:spoof');
    assert.deepEqual(sent(core), []);
  });

  it('drops a send from a client that never bound', () => {
    const core = scene([2]);
    core.datagram(udpOf(3), '3:3:1:x');
    assert.deepEqual(sent(core), []);
    assert.deepEqual(core.deliveries(), []);
  });

  it('answers 9:not_in_room to a bound sender in no room', () => {
    const core = scene([4]);
    core.datagram(udpOf(4), '4:3:1:x');
    assert.deepEqual(sent(core), ['10.0.0.4:5004 <- 9:not_in_room:join a room first']);
  });

  it('answers 9:malformed to a bound sender of a datagram it cannot read', () => {
    const core = scene([1, 2]);
    core.datagram(udpOf(1), '1:3:7:x');
    assert.deepEqual(sent(core), ['10.0.0.1:5001 <- 9:malformed:malformed command']);
  });

  it('never answers junk from an unbound address', () => {
    const core = scene([1]);
    for (const junk of ['hello', '', '3:3:1:x', '3:9', 'x:y:z', '0:abc']) {
      core.datagram(udpOf(3), junk);
    }
    assert.deepEqual(sent(core), []);
  });

  it('does not send TCP messages over UDP', () => {
    const core = scene([1, 2]);
    core.send(1, '3:1:tcp');
    assert.deepEqual(sent(core), []);
    assert.deepEqual(core.linesFor(2), ['3:1:tcp']);
  });
});

describe('relay: UDP group messages', () => {
  it('relays to the bound members of the group, in any room', () => {
    const core = scene([1, 2, 4]);
    core.send(1, '5:g:2:3:4');
    core.datagram(udpOf(1), '1:4:g:a:b');
    assert.deepEqual(sent(core), ['10.0.0.2:5002 <- 3:1:a:b', '10.0.0.4:5004 <- 3:1:a:b']);
    assert.deepEqual(core.deliveries(), []);
  });

  it('includes the sender only when it named itself', () => {
    const core = scene([1, 2]);
    core.send(1, '5:g:1:2');
    core.datagram(udpOf(1), '1:4:g:x');
    assert.deepEqual(sent(core), ['10.0.0.1:5001 <- 3:1:x', '10.0.0.2:5002 <- 3:1:x']);
  });

  it('answers 9:unknown_group to a bound sender', () => {
    const core = scene([1]);
    core.datagram(udpOf(1), '1:4:none:x');
    assert.deepEqual(sent(core), [
      '10.0.0.1:5001 <- 9:unknown_group:no such group; define it with 5:group:ids',
    ]);
  });

  it('skips group members that disconnected', () => {
    const core = scene([1, 2, 4]);
    core.send(1, '5:g:2:4');
    core.disconnect(4);
    core.datagram(udpOf(1), '1:4:g:x');
    assert.deepEqual(sent(core), ['10.0.0.2:5002 <- 3:1:x']);
  });
});
