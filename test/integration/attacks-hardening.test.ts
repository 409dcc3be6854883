/**
 * Issue #15, the core's items: what a logged-in peer could still make one process do with
 * well-formed commands. Each attack runs beside the control group, which must lose nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../helpers/admin-http.js';
import { besideControlGroup } from '../helpers/control-group.js';
import { LineClient } from '../helpers/line-client.js';
import { useServerPool } from '../helpers/test-server.js';
import { UdpClient } from '../helpers/udp-client.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const MIB = 1024 * 1024;

/** Logs in `count` clients named `<name><index>`, tracked by the pool. */
async function clients(
  pool: ReturnType<typeof useServerPool>,
  port: number,
  name: string,
  count: number,
): Promise<{ client: LineClient; id: number }[]> {
  const logged = await Promise.all(
    Array.from({ length: count }, (_, index) => LineClient.login(port, `${name}${index}`)),
  );
  pool.track(...logged.map(({ client }) => client));
  return logged;
}

function refusals(client: LineClient, code: string): number {
  return client.lines.filter((line) => line.startsWith(`9:${code}:`)).length;
}

describe('attack: second hardening round, core (issue #15)', { timeout: 120_000 }, () => {
  const pool = useServerPool({ tickIntervalMs: 20 });

  it('holds a flood of 8 KB lines to the byte rate, and its victims are not dropped (item 4)', async () => {
    const running = await pool.start({ rateLimitMaxStrikes: 0 });
    const [flooder, ...victims] = await clients(pool, running.port, 'flood', 5);
    assert.ok(flooder !== undefined);
    for (const { client } of [flooder, ...victims]) await client.joinRoom('flooded');
    const line = `3:0:${'x'.repeat(8 * 1024)}\n`;
    const started = Date.now();
    await besideControlGroup(running, async () => {
      // 5 lines of 8 KB every 5 ms: 8 MB/s offered (8 times the byte rate), far under the line
      // rate; until 300 ms after the flooder was refused (6 s at most: a loaded machine may read
      // less than offered), so the victims also get the flood once it is held.
      const burst = line.repeat(5);
      let refusedAt = Infinity;
      while (Date.now() - started < 6000 && Date.now() - refusedAt < 300) {
        flooder.client.write(burst);
        await sleep(5);
        if (refusedAt === Infinity && refusals(flooder.client, 'rate_limited') > 0) {
          refusedAt = Date.now();
        }
      }
    });
    const seconds = (Date.now() - started) / 1000;
    assert.ok(refusals(flooder.client, 'rate_limited') >= 1, 'the flooder was never refused');
    for (const { client, id } of victims) {
      assert.equal(client.closed, false, `victim ${id} was dropped: ${client.lines.at(-1)}`);
      assert.equal(refusals(client, 'slow_consumer'), 0);
      // What reached a victim is the byte burst (2 MiB) plus 1 MiB a second, and a line of debt.
      await client.quiet(200);
      const bytes = client.lines.reduce((sum, text) => sum + text.length + 1, 0);
      assert.ok(bytes <= (2 + seconds + 1) * MIB, `${bytes} bytes in ${seconds} s`);
    }
  });

  it('refuses 1 MiB room passwords with bad_room_password and keeps none of them (item 6)', async () => {
    const running = await pool.start({ maxLineLength: 2 * MIB });
    const attackers = await clients(pool, running.port, 'pw', 3);
    // Built once: a 1 MiB line costs the test process as much to build as the server to read.
    const password = 'p'.repeat(MIB);
    const lines = attackers.map((_, index) => Buffer.from(`2:vault${index}:${password}\n`));
    const list = Buffer.from(`1:${password}\n`);
    await besideControlGroup(running, async () => {
      for (const [index, { client }] of attackers.entries()) {
        client.write(lines[index] as Buffer);
        await sleep(100);
        client.write(list);
        await sleep(100);
      }
      await eventually(() => {
        for (const { client } of attackers) assert.equal(refusals(client, 'bad_room_password'), 2);
      });
    });
    assert.deepEqual(
      running.server.view.rooms().map((room) => room.name),
      ['control'],
      'no room was created with a long password',
    );
    // The refusal leaves the connection usable.
    const [first] = attackers;
    assert.ok(first !== undefined);
    const joined = await first.client.joinRoom('vault0');
    assert.deepEqual(joined.slice(-2), [`2:${first.id}:vault0`, `4:${first.id}`]);
  });

  it('answers 1 MiB group definitions at once, without holding up the control group (item 7)', async () => {
    // The byte limit would hold the attackers back; this is the parser's bound alone.
    const running = await pool.start({ maxLineLength: 2 * MIB, byteRateLimitPerSecond: 0 });
    const attackers = await clients(pool, running.port, 'ids', 2);
    const ids = Array.from({ length: 170_000 }, (_, index) => index + 1).join(':');
    const line = Buffer.from(`5:g:${ids}\n`);
    assert.ok(line.length > MIB);
    await besideControlGroup(running, async () => {
      for (let round = 0; round < 3; round += 1) {
        for (const { client } of attackers) client.write(line);
        await sleep(150);
      }
      await eventually(() => {
        for (const { client } of attackers) assert.equal(refusals(client, 'group_too_large'), 3);
      });
    });
  });

  it('holds group messages to absent ids to the fan-out budget (item 8)', async () => {
    const running = await pool.start({ rateLimitMaxStrikes: 0 });
    const attackers = await clients(pool, running.port, 'fan', 2);
    // A full group (1,000 ids) of clients that do not exist.
    const absent = Array.from({ length: 1000 }, (_, index) => 900_000 + index).join(':');
    for (const { client } of attackers) client.send(`5:ghosts:${absent}`);
    await besideControlGroup(running, async () => {
      const started = Date.now();
      // 500 group messages every 10 ms for 2 s: 50,000 a second each, 50 million recipients.
      const burst = '4:ghosts:boo\n'.repeat(500);
      while (Date.now() - started < 2000) {
        for (const { client } of attackers) client.write(burst);
        await sleep(10);
      }
    });
    for (const { client } of attackers) {
      assert.ok(
        client.lines.some((line) => /^9:rate_limited:more than \d+ group recipients/.test(line)),
        `no fan-out refusal: ${client.lines.slice(0, 3).join(' | ')}`,
      );
    }
  });

  it('refuses groups past maxGroupIdsPerClient with too_many_group_ids (item 9)', async () => {
    const running = await pool.start();
    const attackers = await clients(pool, running.port, 'full', 2);
    const full = Array.from({ length: 1000 }, (_, index) => 500_000 + index).join(':');
    await besideControlGroup(running, async () => {
      for (const { client } of attackers) {
        for (let group = 0; group < 64; group += 1) client.send(`5:g${group}:${full}`);
      }
      await eventually(() => {
        // Two full groups fit in the default 2,000 ids; the other 62 are refused.
        for (const { client } of attackers)
          assert.equal(refusals(client, 'too_many_group_ids'), 62);
      });
    });
  });

  it('does not let a neighbour on the same IP take over a bound UDP stream (item 14)', async () => {
    const running = await pool.start();
    const [victim, sender, mallory] = await clients(pool, running.port, 'nat', 3);
    assert.ok(victim !== undefined && sender !== undefined && mallory !== undefined);
    for (const { client } of [victim, sender, mallory]) await client.joinRoom('lan');
    const victimUdp = await UdpClient.open(running.port);
    const senderUdp = await UdpClient.open(running.port);
    const malloryUdp = await UdpClient.open(running.port);
    pool.track(victimUdp, senderUdp, malloryUdp);
    assert.equal(await victimUdp.sendUntilAnswered(`0:${victim.id}`), `0:${victim.id}:connected`);
    assert.equal(await senderUdp.sendUntilAnswered(`0:${sender.id}`), `0:${sender.id}:connected`);
    let sent = 0;
    await besideControlGroup(running, async () => {
      for (let round = 0; round < 20; round += 1) {
        // Mallory, from the victim's IP, tries every bind form for the victim's id.
        for (const bind of [`0:${victim.id}`, `${victim.id}:0:Hello`, `0:${victim.id}:`]) {
          await malloryUdp.send(bind);
        }
        await victimUdp.send(`${victim.id}:3:0:alive`);
        await senderUdp.send(`${sender.id}:3:0:secret${sent++}`);
        await sleep(25);
      }
    });
    const stolen = await malloryUdp.quiet(200);
    assert.deepEqual(stolen, [], 'the neighbour got an answer or the stream');
    const got = (await victimUdp.quiet(200)).filter((text) => text.startsWith(`3:${sender.id}:`));
    assert.ok(got.length >= sent - 2, `the victim got ${got.length} of ${sent}`);
    // Asked from the bound address, the token comes back there; a wrong one moves nothing, the
    // victim's own moves the stream to its new port (a NAT that changed it).
    const answer = await victimUdp.sendUntilAnswered(`0:${victim.id}:`);
    const token = new RegExp(`^0:${victim.id}:connected:([\\w-]{16})$`).exec(answer)?.[1];
    assert.ok(token !== undefined, `no token in ${answer}`);
    await malloryUdp.send(`0:${victim.id}:${'A'.repeat(16)}`);
    const moved = await UdpClient.open(running.port);
    pool.track(moved);
    assert.equal(
      await moved.sendUntilAnswered(`0:${victim.id}:${token}`),
      `0:${victim.id}:connected:${token}`,
    );
    await senderUdp.send(`${sender.id}:3:0:after the move`);
    assert.equal(await moved.next(), `3:${sender.id}:after the move`);
    assert.deepEqual(await malloryUdp.quiet(200), []);
  });
});
