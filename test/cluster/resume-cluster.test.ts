import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../helpers/admin-http.js';
import { Redis } from 'ioredis';
import {
  FAST_CLUSTER,
  ON_REDIS_CLUSTER,
  REDIS_URL,
  startCluster,
  testPrefix,
} from '../helpers/cluster.js';
import { killHard } from '../helpers/cluster-processes.js';
import { LineClient } from '../helpers/line-client.js';
import { LOGIN, mixedTraffic, Resumer } from '../helpers/resumer.js';
import { seededRandom } from '../helpers/seeded-random.js';
import type { TestServer } from '../helpers/test-server.js';
import { cleanupAfterAll, joined, survivorAndDoomed } from './cluster-steps.js';

/** Joins a room and reads up to its master line. */
async function join(client: LineClient, room: string): Promise<void> {
  client.send(`2:${room}`);
  while (!(await client.next(5_000)).startsWith('4:'));
}

/** Two nodes of one cluster, stopped after the suite. */
async function twoNodes(
  prefix: string,
  cleanup: (() => unknown)[],
): Promise<[TestServer, TestServer]> {
  const nodes = (await startCluster(2, prefix)) as [TestServer, TestServer];
  cleanup.push(() => Promise.all(nodes.map((node) => node.stop())));
  return nodes;
}

/**
 * A node in this process and one in a process of its own; a resumer on the latter, the master of
 * `room`, and a member on the former.
 */
async function heldByDoomed(prefix: string, cleanup: (() => unknown)[], room: string) {
  const { survivor, doomed } = await survivorAndDoomed(prefix, cleanup);
  const resumer = await Resumer.login(doomed.port, `${room}-resumer`);
  await join(resumer.client, room);
  const stays = await joined(survivor.port, `${room}-stays`, room);
  cleanup.push(() => stays.client.close());
  return { survivor, doomed, resumer, stays };
}

/** Why the cross-node tests do not run on the Redis Cluster pass. */
const NOT_ON_REDIS_CLUSTER =
  ON_REDIS_CLUSTER && 'a session moves between nodes on one Redis only (docs/cluster.md)';

describe(
  'session resume on another node (protocol §10, docs/cluster.md)',
  { timeout: 90_000, skip: NOT_ON_REDIS_CLUSTER },
  () => {
    const prefix = testPrefix();
    const cleanup = cleanupAfterAll(prefix);
    const track = (...clients: LineClient[]): void => {
      cleanup.push(() => clients.forEach((client) => client.close()));
    };

    it('gives a client resumed on the other node the same stream, byte for byte, as one never cut', async (t) => {
      const seed = Number(process.env.RESUME_SEED ?? Date.now() % 1_000_000);
      t.diagnostic(`seed ${seed}`);
      const next = seededRandom(seed);
      const nodes = await twoNodes(prefix, cleanup);
      const [first, second] = nodes;
      const resumer = await Resumer.login(first.port, 'resumer');
      const watcher = await LineClient.login(first.port, 'watcher');
      const sender = await LineClient.login(second.port, 'sender');
      track(watcher.client, sender.client);
      cleanup.push(() => resumer.client.close());
      await join(resumer.client, 'cut');
      await join(watcher.client, 'cut');
      await join(sender.client, 'cut');
      await eventually(() => assert.equal(watcher.client.lines.length, 5), 5000);
      const watcherStart = watcher.client.lines.length;
      const resumerStart = resumer.received().length;
      sender.client.send(`5:g:${watcher.id}:${resumer.id}`);
      const total = 1000;
      let on = 0;
      let resumed: Promise<number> = Promise.resolve(0);
      await mixedTraffic(
        sender.client,
        next,
        total,
        async () => {
          // Mid-traffic, and every time onto the node the client was not on. The traffic goes on
          // while the session moves, so lines fall on both sides of the move.
          await resumed;
          resumer.cut();
          await new Promise((resolve) => setTimeout(resolve, Math.floor(next() * 30)));
          on = 1 - on;
          resumed = resumer.resume((nodes[on] as TestServer).port);
        },
        1,
      );
      await resumed;
      sender.client.send('3:1:end');
      const end = `3:${sender.id}:end`;
      await eventually(() => assert.equal(watcher.client.lines.at(-1), end), 10_000);
      await eventually(() => assert.equal(resumer.received().at(-1), end), 10_000);
      const expected = watcher.client.lines.slice(watcherStart);
      assert.equal(expected.length, total + 1);
      assert.deepEqual(resumer.received().slice(resumerStart), expected);
      // Nobody saw the resumer leave, and it is where it resumed last, as the master.
      for (const client of [watcher.client, sender.client]) {
        assert.ok(!client.lines.includes(`2:${resumer.id}:`));
      }
      const holder = nodes[on] as TestServer;
      assert.equal(holder.server.view.client(resumer.id)?.away, false);
      assert.equal(nodes[1 - on]?.server.view.client(resumer.id), undefined);
      for (const node of nodes) assert.equal(node.server.view.room('cut')?.masterId, resumer.id);
    });

    it('keeps the master role across the move, and the other members see nothing of it', async (t) => {
      const [first, second] = await twoNodes(prefix, cleanup);
      const master = await Resumer.login(first.port, 'master');
      cleanup.push(() => master.client.close());
      await join(master.client, 'm');
      const near = await joined(first.port, 'near', 'm');
      const far = await joined(second.port, 'far', 'm');
      track(near.client, far.client);
      await near.client.quiet(200);
      master.cut();
      far.client.send('3:0:while the master is away');
      // Replayed, or live after the move: either way it is the one line after the cut.
      const askedAt = performance.now();
      const missed = await master.resume(second.port);
      // Reported, not asserted: the shared machine's load decides it.
      t.diagnostic(`resumed on the other node in ${(performance.now() - askedAt).toFixed(1)} ms`);
      assert.ok(missed <= 1);
      const away = `3:${far.id}:while the master is away`;
      await eventually(() => assert.equal(master.received().at(-1), away), 5000);
      assert.equal(master.received().filter((line) => line === away).length, 1);
      for (const node of [first, second]) {
        await eventually(() => assert.equal(node.server.view.room('m')?.masterId, master.id), 3000);
      }
      const others = [near.client, far.client];
      for (const client of others) {
        const lines = await client.quiet(300);
        assert.ok(!lines.some((line) => /^[24]:/.test(line)), JSON.stringify(lines));
      }
      master.client.send('3:0:back');
      for (const client of others) assert.equal(await client.next(5_000), `3:${master.id}:back`);
      // Groups and the id went along: the moved session's group reaches both nodes.
      master.client.send(`5:pair:${near.id}:${far.id}`);
      master.client.send('4:pair:to both');
      for (const client of others) assert.equal(await client.next(5_000), `3:${master.id}:to both`);
    });

    it('refuses a wrong token on the other node exactly as an unknown id', async () => {
      const [first, second] = await twoNodes(prefix, cleanup);
      const owner = await Resumer.login(first.port, 'owner');
      cleanup.push(() => owner.client.close());
      await join(owner.client, 'w');
      owner.cut();
      const guesser = await LineClient.connect(second.port);
      track(guesser);
      const askedAt = Date.now();
      guesser.send(`6:${owner.id}:${'A'.repeat(32)}:0`);
      guesser.send(`6:999999:${owner.token}:0`);
      const refusals = await guesser.nextLines(2, 10_000);
      assert.equal(refusals[0], refusals[1]);
      assert.match(refusals[0] as string, /^9:resume_failed:/);
      // Both refused by every node at once, not after the wait for a node that does not answer
      // (2 s here): an unknown id is no slower to refuse than a wrong token.
      const refusedAfter = Date.now() - askedAt;
      assert.ok(refusedAfter < 1_500, `refused after ${refusedAfter} ms`);
      // The guesses took nothing away: the owner still resumes there.
      await owner.resume(second.port);
      assert.equal(second.server.view.client(owner.id)?.away, false);
      assert.equal(first.server.view.client(owner.id), undefined);
    });

    it('takes a session over from a half-open connection on the other node', async () => {
      const [first, second] = await twoNodes(prefix, cleanup);
      const owner = await Resumer.login(first.port, 'half');
      await join(owner.client, 'half');
      const other = await joined(second.port, 'other-half', 'half');
      track(other.client);
      // The old connection still looks open to its node: it is told, and closed.
      const old = owner.client;
      cleanup.push(() => old.close());
      other.client.send('3:0:before');
      await eventually(() => assert.ok(owner.received().includes(`3:${other.id}:before`)), 5000);
      await owner.resume(second.port);
      cleanup.push(() => owner.client.close());
      await old.waitClosed(5000);
      assert.match(old.lines.at(-1) ?? '', /^9:session_resumed:/);
      other.client.send('3:0:after');
      await eventually(() => assert.equal(owner.received().at(-1), `3:${other.id}:after`), 5000);
      assert.ok(!other.client.lines.includes(`2:${owner.id}:`));
      assert.equal(first.server.view.client(owner.id), undefined);
    });

    it('lets one of two concurrent resumes of one session win', async () => {
      const [first, second] = await twoNodes(prefix, cleanup);
      const owner = await Resumer.login(first.port, 'owner2');
      cleanup.push(() => owner.client.close());
      await join(owner.client, 'twice');
      const other = await joined(first.port, 'other2', 'twice');
      track(other.client);
      owner.cut();
      const tries = await Promise.all([
        LineClient.connect(second.port),
        LineClient.connect(second.port),
      ]);
      track(...tries);
      for (const client of tries) client.send(`6:${owner.id}:${owner.token}:0`);
      const answers = await Promise.all(tries.map((client) => client.next(10_000)));
      const won = answers.filter((line) => line.startsWith(`6:${owner.id}:`));
      assert.equal(won.length, 1, JSON.stringify(answers));
      assert.ok(
        answers.some((line) => line.startsWith('9:resume_failed:')),
        JSON.stringify(answers),
      );
      const winner = tries[answers.findIndex((line) => line.startsWith('6:'))] as LineClient;
      other.client.send('3:0:to the winner');
      await eventually(() => assert.ok(winner.lines.includes(`3:${other.id}:to the winner`)), 5000);
      assert.ok(!other.client.lines.includes(`2:${owner.id}:`));
    });
  },
);

describe('session resume when the holding node was killed', { timeout: 60_000 }, () => {
  const prefix = testPrefix();
  const cleanup = cleanupAfterAll(prefix);

  it('is refused cleanly, and the room sees the leave once the node is detected dead', async () => {
    const { survivor, doomed, resumer, stays } = await heldByDoomed(prefix, cleanup, 'gone');
    await eventually(() => assert.equal(survivor.server.view.room('gone')?.masterId, resumer.id));

    const killedAt = Date.now();
    await killHard(doomed.child);
    const fresh = await LineClient.connect(survivor.port);
    cleanup.push(() => fresh.close());
    fresh.send(`6:${resumer.id}:${resumer.token}:${resumer.received().length}`);
    const refusal = await fresh.next(10_000);
    assert.match(refusal, /^9:resume_failed:/);
    const refusedAfter = Date.now() - killedAt;
    // The client logs in afresh on the same connection.
    fresh.send('0:again:pw');
    assert.match(await fresh.next(5_000), LOGIN);

    const leave = await stays.client.nextLines(2, 10_000);
    assert.deepEqual(leave, [`2:${resumer.id}:`, `4:${stays.id}`]);
    const detectedAfter = Date.now() - killedAt;
    const bound = FAST_CLUSTER.clusterNodeTimeoutMs + 2 * FAST_CLUSTER.clusterHeartbeatMs + 3_000;
    assert.ok(detectedAfter < bound, `leave seen after ${detectedAfter} ms`);
    assert.ok(refusedAfter < 5_000, `refused after ${refusedAfter} ms`);
  });
});

describe(
  'session resume when the holder dies between the move and the hand-over',
  { timeout: 60_000, skip: NOT_ON_REDIS_CLUSTER },
  () => {
    const prefix = testPrefix();
    const cleanup = cleanupAfterAll(prefix);

    it('refuses the resume after the bounded wait, and the room sees the leave', async () => {
      const { survivor, doomed, resumer, stays } = await heldByDoomed(prefix, cleanup, 'limbo');
      const redis = new Redis(REDIS_URL);
      const listener = new Redis(REDIS_URL);
      cleanup.push(() => Promise.all([redis.quit(), listener.quit()]));
      const nodeIds = await redis.smembers(`${prefix}:{nodes}`);
      const holding = await Promise.all(
        nodeIds.map(async (node) => {
          const room = await redis.hget(`${prefix}:node:{${node}}:clients`, String(resumer.id));
          return room === 'limbo' ? node : '';
        }),
      );
      const holder = holding.find((node) => node !== '') as string;

      // The holder dies, and the test plays it from then on: alive to the others, it accepts the
      // resume (so the survivor moves the session) and then never sends the session's state.
      await killHard(doomed.child);
      await redis.set(`${prefix}:node:{${holder}}:alive`, '1', 'PX', 30_000);
      cleanup.push(() => redis.del(`${prefix}:node:{${holder}}:alive`));
      await listener.subscribe(`${prefix}:node:{${holder}}`);
      let accepted = '';
      listener.on('message', (_channel: string, message: string) => {
        const ask = /^r\|(([\w-]+)\.\d+)\|/.exec(message);
        if (ask === null) return;
        accepted = ask[1] as string;
        void redis.publish(`${prefix}:node:{${ask[2] as string}}`, `o|${accepted}|${holder}|limbo`);
      });

      const fresh = await LineClient.connect(survivor.port);
      cleanup.push(() => fresh.close());
      const askedAt = Date.now();
      fresh.send(`6:${resumer.id}:${resumer.token}:${resumer.received().length}`);
      assert.match(await fresh.next(10_000), /^9:resume_failed:/);
      const waited = Date.now() - askedAt;
      assert.notEqual(accepted, '', 'the survivor asked the holder');
      assert.deepEqual(await stays.client.nextLines(2, 5_000), [
        `2:${resumer.id}:`,
        `4:${stays.id}`,
      ]);
      // The move happened (the survivor's hash had the session), and the leave undid it: nothing
      // is left of the session in Redis.
      assert.deepEqual(await redis.zrange(`${prefix}:room:{limbo}:members`, 0, -1), [
        String(stays.id),
      ]);
      for (const node of nodeIds) {
        assert.equal(
          await redis.hget(`${prefix}:node:{${node}}:clients`, String(resumer.id)),
          null,
        );
      }
      assert.ok(waited < 8_000, `refused after ${waited} ms`);
    });
  },
);

describe(
  'session resume on Redis Cluster: on the node that holds it only',
  { timeout: 60_000, skip: !ON_REDIS_CLUSTER && 'the Redis Cluster pass only' },
  () => {
    const prefix = testPrefix();
    const cleanup = cleanupAfterAll(prefix);

    it('refuses a resume on the other node at once, and the session still resumes at home', async () => {
      const [first, second] = await twoNodes(prefix, cleanup);
      const owner = await Resumer.login(first.port, 'owner');
      cleanup.push(() => owner.client.close());
      await join(owner.client, 'home');
      const peer = await joined(first.port, 'peer', 'home');
      cleanup.push(() => peer.client.close());
      owner.cut();
      const elsewhere = await LineClient.connect(second.port);
      cleanup.push(() => elsewhere.close());
      const askedAt = Date.now();
      elsewhere.send(`6:${owner.id}:${owner.token}:0`);
      assert.match(await elsewhere.next(5_000), /^9:resume_failed:/);
      const refusedAfter = Date.now() - askedAt;
      assert.ok(refusedAfter < 1_000, `refused after ${refusedAfter} ms`);
      peer.client.send('3:0:while away');
      await owner.resume(first.port);
      assert.equal(first.server.view.client(owner.id)?.away, false);
      assert.equal(await owner.client.next(5_000), `3:${peer.id}:while away`);
      assert.deepEqual(
        peer.client.unread.filter((line) => line.startsWith('2:')),
        [],
        'the room saw no leave',
      );
    });
  },
);
