import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../helpers/admin-http.js';
import { LineClient } from '../helpers/line-client.js';
import { LOGIN, mixedTraffic, Resumer } from '../helpers/resumer.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { useServerPool, type TestServer } from '../helpers/test-server.js';

/** Joins a room and waits for its master line; the join's lines are read. */
async function joined(client: LineClient, room: string): Promise<void> {
  client.send(`2:${room}`);
  await eventually(() => assert.ok(client.lines.some((line) => line.startsWith('4:'))), 5000);
  await client.nextLines(client.unread.length);
}

/**
 * A resumer and another client, both in `room`, the resumer first (so it is the master), with
 * the other's lines so far read.
 */
async function pairInRoom(
  running: TestServer,
  track: (client: LineClient) => void,
  room: string,
): Promise<{ resumer: Resumer; other: { client: LineClient; id: number } }> {
  const resumer = await Resumer.login(running.port, `${room}-resumer`);
  const other = await LineClient.login(running.port, `${room}-other`);
  track(other.client);
  await joined(resumer.client, room);
  await joined(other.client, room);
  await drain(other.client);
  return { resumer, other };
}

/** Reads what a client has received so far, so that the next read sees only what follows. */
async function drain(client: LineClient): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  await client.nextLines(client.unread.length);
}

describe('session resume over real sockets (protocol §10)', { timeout: 60_000 }, () => {
  const pool = useServerPool();

  it('gives a resumed client the same stream, byte for byte, as one never cut, at random cut points', async (t) => {
    const seed = Number(process.env.RESUME_SEED ?? Date.now() % 1_000_000);
    t.diagnostic(`seed ${seed}`);
    const next = seededRandom(seed);
    const running: TestServer = await pool.start();
    const watcher = await LineClient.login(running.port, 'watcher');
    const resumer = await Resumer.login(running.port, 'resumer');
    const sender = await LineClient.login(running.port, 'sender');
    pool.track(watcher.client, sender.client);
    await joined(watcher.client, 'cut');
    await joined(resumer.client, 'cut');
    await joined(sender.client, 'cut');
    await eventually(() => assert.equal(watcher.client.lines.length, 5), 5000);
    const watcherStart = watcher.client.lines.length;
    const resumerStart = resumer.received().length;
    sender.client.send(`5:g:${watcher.id}:${resumer.id}`);
    const total = 400;
    await mixedTraffic(sender.client, next, total, async () => {
      // Mid-traffic: the reset may lose lines in flight; the resume must bring them back.
      resumer.cut();
      await new Promise((resolve) => setTimeout(resolve, Math.floor(next() * 30)));
      await resumer.resume();
    });
    sender.client.send('3:1:end');
    await eventually(() => assert.equal(watcher.client.lines.at(-1), `3:${sender.id}:end`), 10_000);
    await eventually(() => assert.equal(resumer.received().at(-1), `3:${sender.id}:end`), 10_000);
    const expected = watcher.client.lines.slice(watcherStart);
    assert.equal(expected.length, total + 1);
    assert.deepEqual(resumer.received().slice(resumerStart), expected);
    // Nobody saw the resumer leave.
    assert.ok(!watcher.client.lines.some((line) => line === `2:${resumer.id}:`));
    assert.ok(!sender.client.lines.some((line) => line === `2:${resumer.id}:`));
  });

  it('keeps the master role across a resume, and the room sees nothing of it', async () => {
    const running = await pool.start();
    const { resumer: master, other } = await pairInRoom(
      running,
      (client) => pool.track(client),
      'm',
    );
    master.cut();
    other.client.send('3:0:while the master is away');
    assert.equal(await master.resume(), 1);
    assert.equal(await master.client.next(), `3:${other.id}:while the master is away`);
    assert.equal(running.server.view.room('m')?.masterId, master.id);
    assert.deepEqual(await other.client.quiet(200), []);
    master.client.send('3:0:back');
    assert.equal(await other.client.next(), `3:${master.id}:back`);
  });

  it('gives the room exactly the ordinary leave and master hand-over when the time runs out', async () => {
    const running = await pool.start({ resumeTtlMs: 400 });
    const { resumer: master, other } = await pairInRoom(
      running,
      (client) => pool.track(client),
      'ttl',
    );
    master.cut();
    assert.deepEqual(await other.client.quiet(200), []);
    assert.deepEqual(await other.client.nextLines(2, 3000), [`2:${master.id}:`, `4:${other.id}`]);
    const late = await LineClient.connect(running.port);
    pool.track(late);
    late.send(`6:${master.id}:${master.token}:0`);
    assert.match(await late.next(), /^9:resume_failed:/);
    late.send('0:afresh:pw');
    assert.match(await late.next(), LOGIN);
  });

  it("keeps a room's history bounded for a member who only sends, while the others lose nothing", async () => {
    // A room keeps at most twice resumeBufferBytes of lines for its connected members (§10).
    const running = await pool.start({ resumeBufferBytes: 4096 });
    const flooder = await Resumer.login(running.port, 'flooder');
    const listener = await LineClient.login(running.port, 'listener');
    pool.track(listener.client);
    await joined(flooder.client, 'flood');
    await joined(listener.client, 'flood');
    const sent = Array.from(
      { length: 300 },
      (_, index) => `3:0:${String(index).padStart(60, 'x')}`,
    );
    for (const line of sent) flooder.client.send(line);
    // The control: every line reaches the listener, in order.
    const heard = await listener.client.nextLines(sent.length, 10_000);
    assert.deepEqual(
      heard,
      sent.map((line) => `3:${flooder.id}:${line.slice(4)}`),
    );
    // Resuming from what it has works: nothing was sent to it meanwhile.
    flooder.cut();
    assert.equal(await flooder.resume(), 0);
    // Resuming from its first line does not: the room let its join lines go (18 KiB passed since).
    flooder.cut();
    const late = await LineClient.connect(running.port);
    pool.track(late);
    late.send(`6:${flooder.id}:${flooder.token}:0`);
    assert.match(await late.next(), /^9:resume_gap:/);
    assert.deepEqual(await listener.client.nextLines(2, 3000), [
      `2:${flooder.id}:`,
      `4:${listener.id}`,
    ]);
  });

  it('ends the session at once when the client closes its connection itself', async () => {
    const running = await pool.start();
    const { resumer: leaver, other } = await pairInRoom(
      running,
      (client) => pool.track(client),
      'close',
    );
    leaver.client.close();
    assert.deepEqual(await other.client.nextLines(2), [`2:${leaver.id}:`, `4:${other.id}`]);
  });

  it('refuses a wrong token as an unknown id, and lets a resume take over a half-open connection', async () => {
    const running = await pool.start();
    const owner = await Resumer.login(running.port, 'owner');
    await joined(owner.client, 'half');
    const guesser = await LineClient.connect(running.port);
    pool.track(guesser);
    guesser.send(`6:${owner.id}:${'A'.repeat(32)}:0`);
    guesser.send(`6:999999:${owner.token}:0`);
    const refusals = await guesser.nextLines(2);
    assert.equal(refusals[0], refusals[1]);
    assert.match(refusals[0] as string, /^9:resume_failed:/);
    // The old connection still looks open to the server: the resume takes it over and closes it.
    const old = owner.client;
    assert.equal(await owner.resume(), 0);
    await old.waitClosed(3000);
    assert.equal(
      old.lines.at(-1),
      '9:session_resumed:the session was resumed on another connection',
    );
    assert.equal(running.server.view.client(owner.id)?.away, false);
  });
});
