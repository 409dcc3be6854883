import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UdpAddress } from '../../src/core/types.js';
import { CoreHarness } from '../helpers/core-harness.js';

/** Clients 1 and 2 log in from one IP (one NAT) and share room `r`. */
const NAT_IP = '10.0.0.9';
const ALICE: UdpAddress = { ip: NAT_IP, port: 6001 };
const MALLORY: UdpAddress = { ip: NAT_IP, port: 6002 };
const ALICE_AFTER_NAT: UdpAddress = { ip: NAT_IP, port: 6003 };
const BOB: UdpAddress = { ip: NAT_IP, port: 7002 };

function scene(limits: ConstructorParameters<typeof CoreHarness>[0] = {}): CoreHarness {
  let issued = 0;
  const core = new CoreHarness(limits, { udpTokens: () => `token${++issued}` });
  core.client(1, 'alice', NAT_IP);
  core.client(2, 'bob', NAT_IP);
  core.send(1, '2:r');
  core.send(2, '2:r');
  core.datagram(BOB, '0:2');
  return core;
}

/** Whether a room datagram from client 2 (Bob) reaches `address`. */
function receives(core: CoreHarness, address: UdpAddress): boolean {
  core.reset();
  core.datagram(BOB, '2:3:0:secret');
  return core.datagramsTo(address.ip, address.port).includes('3:2:secret');
}

describe('relay: the UDP binding sticks while in use (issue #15 item 14)', () => {
  it('refuses a bind for the same client from another port of the same IP', () => {
    const core = scene({ udpRebindSilenceMs: 10_000 });
    core.datagram(ALICE, '0:1');
    core.reset();
    core.datagram(MALLORY, '0:1');
    core.datagram(MALLORY, '1:0:Hello');
    assert.deepEqual(core.datagramsTo(MALLORY.ip, MALLORY.port), []);
    assert.equal(receives(core, ALICE), true);
    assert.equal(receives(core, MALLORY), false);
  });

  it('keeps the binding while the bound address keeps sending, however long', () => {
    const core = scene({ udpRebindSilenceMs: 10_000 });
    core.datagram(ALICE, '0:1');
    for (let now = 4_000; now <= 40_000; now += 4_000) {
      core.tick(now);
      core.datagram(ALICE, '1:3:0:still here');
      core.datagram(MALLORY, '0:1');
    }
    assert.equal(receives(core, ALICE), true);
    assert.equal(receives(core, MALLORY), false);
  });

  it('counts repeated binds from the bound address as use', () => {
    const core = scene({ udpRebindSilenceMs: 10_000 });
    core.datagram(ALICE, '0:1');
    core.tick(9_000);
    core.datagram(ALICE, '0:1');
    core.tick(15_000);
    core.datagram(MALLORY, '0:1');
    assert.equal(receives(core, ALICE), true);
  });

  it('moves the binding after the bound address was silent for udpRebindSilenceMs', () => {
    const core = scene({ udpRebindSilenceMs: 10_000 });
    core.datagram(ALICE, '0:1');
    core.tick(9_999);
    core.datagram(ALICE_AFTER_NAT, '0:1');
    assert.equal(receives(core, ALICE_AFTER_NAT), false);
    core.tick(10_000);
    core.reset();
    core.datagram(ALICE_AFTER_NAT, '0:1');
    assert.deepEqual(core.datagramsTo(NAT_IP, ALICE_AFTER_NAT.port), ['0:1:connected']);
    assert.equal(receives(core, ALICE_AFTER_NAT), true);
    assert.equal(receives(core, ALICE), false);
  });

  it('never moves on silence when udpRebindSilenceMs is 0', () => {
    const core = scene({ udpRebindSilenceMs: 0 });
    core.datagram(ALICE, '0:1');
    core.tick(1_000_000);
    core.datagram(MALLORY, '0:1');
    assert.equal(receives(core, ALICE), true);
  });

  it('issues a token in the answer to the token form, only to the bound address', () => {
    const core = scene();
    core.datagram(ALICE, '0:1:');
    assert.deepEqual(core.datagramsTo(ALICE.ip, ALICE.port), ['0:1:connected:token1']);
    // The same token on every answer, for the session's life.
    core.datagram(ALICE, '0:1:');
    assert.deepEqual(core.datagramsTo(ALICE.ip, ALICE.port).at(-1), '0:1:connected:token1');
    // Old forms are answered as before.
    core.datagram(ALICE, '0:1');
    core.datagram(ALICE, '1:0:Hello');
    assert.deepEqual(core.datagramsTo(ALICE.ip, ALICE.port).slice(2), [
      '0:1:connected',
      '0:1:connected',
    ]);
  });

  it('moves the binding at once on a bind carrying the client’s token', () => {
    const core = scene({ udpRebindSilenceMs: 10_000 });
    core.datagram(ALICE, '0:1:');
    core.datagram(MALLORY, '0:1:token2');
    core.datagram(MALLORY, '0:1:');
    assert.equal(receives(core, MALLORY), false);
    core.reset();
    core.datagram(ALICE_AFTER_NAT, '0:1:token1');
    assert.deepEqual(core.datagramsTo(NAT_IP, ALICE_AFTER_NAT.port), ['0:1:connected:token1']);
    assert.equal(receives(core, ALICE_AFTER_NAT), true);
    assert.equal(receives(core, ALICE), false);
  });

  it('accepts the token as the Unity form’s <anything> too', () => {
    const core = scene();
    core.datagram(ALICE, '0:1:');
    core.datagram(ALICE_AFTER_NAT, '1:0:token1');
    assert.equal(receives(core, ALICE_AFTER_NAT), true);
  });

  it('does not take another client’s token: tokens are per client', () => {
    const core = scene();
    core.datagram(ALICE, '0:1:');
    core.datagram(BOB, '0:2:');
    // Bob (token2) tries to move Alice's binding with his own token.
    core.datagram(MALLORY, '0:1:token2');
    assert.equal(receives(core, ALICE), true);
    assert.equal(receives(core, MALLORY), false);
  });
});
