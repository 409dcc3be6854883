import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { AdminClient } from '../helpers/admin-http.js';
import { besideControlGroup } from '../helpers/control-group.js';
import { LineClient } from '../helpers/line-client.js';
import { metricValue } from '../helpers/metrics-text.js';
import { useServerPool } from '../helpers/test-server.js';
import { UdpClient } from '../helpers/udp-client.js';

const MAX_DATAGRAM_BYTES = 2048;

async function drops(httpPort: number): Promise<number> {
  const text = await AdminClient.forPort(httpPort).metrics();
  return ['malformed', 'unbound', 'wrong-ip', 'unknown-client', 'oversize'].reduce(
    (sum, reason) => sum + (metricValue(text, 'roomwire_messages_dropped_total', { reason }) ?? 0),
    0,
  );
}

describe('attack: UDP spoofing and junk', { timeout: 30_000 }, () => {
  const pool = useServerPool({ maxDatagramBytes: MAX_DATAGRAM_BYTES });

  it('drops datagrams claiming other clients and junk, counts them, and answers none', async () => {
    const running = await pool.start();
    // The attacker is a real client too, with its own TCP connection from 127.0.0.1.
    const attacker = await LineClient.login(running.port, 'attacker');
    pool.track(attacker.client);
    attacker.client.send('2:control');
    const samePort = await UdpClient.open(running.port);
    const otherIp = await UdpClient.open(running.port, '127.0.0.2');
    pool.track(samePort, otherIp);
    const dropsBefore = await drops(running.httpPort);
    let sent = 0;
    await besideControlGroup(running, async (group) => {
      const victims = group.udpMembers.map((member) => member.id);
      for (let round = 0; round < 40; round += 1) {
        for (const victim of victims) {
          // Payloads shaped like the control group's own: if one were relayed, a receiver
          // would see a number out of sequence.
          const forged = `${victim}:3:0:${1_000_000 + round}:1`;
          await samePort.send(forged);
          await otherIp.send(forged);
          await otherIp.send(`${victim}:4:g:${1_000_000 + round}:1`);
          // Binds from an address other than the victim's TCP connection's IP.
          await otherIp.send(`0:${victim}`);
          await otherIp.send(`${victim}:0:hijack`);
          sent += 5;
        }
        // Junk: random bytes (never shaped like a bind), empty, oversize, unknown clients.
        await samePort.send(Buffer.concat([Buffer.from([0xff]), randomBytes(1 + round * 7)]));
        await samePort.send(Buffer.alloc(0));
        await samePort.send(Buffer.alloc(MAX_DATAGRAM_BYTES + 1 + round, 0x33));
        await samePort.send(`999999:3:0:${round}`);
        await otherIp.send('3:0:no-id');
        sent += 5;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    });
    // Nothing came back to the sources that are not bound: no reflection, no amplification.
    assert.deepEqual(await samePort.quiet(100), []);
    assert.deepEqual(await otherIp.quiet(0), []);
    const bound = running.server.view.sessions().filter((session) => session.udpBound);
    assert.equal(bound.length, 0, 'the attacker bound nothing, and the control group is gone');
    const counted = (await drops(running.httpPort)) - dropsBefore;
    assert.ok(counted >= sent * 0.9, `${counted} of ${sent} dropped datagrams counted`);
  });
});
