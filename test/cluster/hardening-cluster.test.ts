/**
 * Issue 15, cluster items 1 to 3: what a stalled node, a stalled Redis and one flooding client
 * did to a cluster, each beside a control group, against a real Redis.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  FAST_CLUSTER,
  OWN_REDIS_ONLY,
  roomMembersKey,
  testPrefix,
  testRedis,
} from '../helpers/cluster.js';
import {
  freePort,
  killHard,
  spawnNode,
  startRedis,
  type NodeProcess,
} from '../helpers/cluster-processes.js';
import { besideControlGroup, ControlGroup } from '../helpers/control-group.js';
import {
  cleanupAfterAll,
  flood,
  joined,
  lineMatching,
  linkIds,
  readyStatus,
  rssMiB,
  survivorAndDoomed,
  until,
} from './cluster-steps.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a node that stalled, was reaped, resumed and later died', { timeout: 90_000 }, () => {
  const prefix = testPrefix();
  const cleanup = cleanupAfterAll(prefix);

  it('leaves no ghost member: its clients are reaped after its death too', async () => {
    const { survivor, doomed } = await survivorAndDoomed(prefix, cleanup);
    const redis = testRedis();
    cleanup.push(() => redis.quit());

    await besideControlGroup(survivor, async () => {
      const watcher = await joined(survivor.port, 'watcher', 'arena');
      const victim = await joined(doomed.port, 'victim', 'arena');
      cleanup.push(() => [watcher, victim].forEach((player) => player.client.close()));
      assert.equal(await watcher.client.next(5_000), `2:${victim.id}:arena`);

      // A stall past the node timeout (a GC pause, a blocked loop): the survivor reaps it.
      doomed.child.kill('SIGSTOP');
      assert.equal(await watcher.client.next(10_000), `2:${victim.id}:`);
      doomed.child.kill('SIGCONT');

      // Back: its client finds itself out of the room and joins again, once the node is ready.
      await until(async () => {
        if ((await readyStatus(doomed.httpPort)) !== 200) return false;
        victim.client.send('2:arena');
        const answer = await lineMatching(victim.client, /^(2:\d+:arena|9:)/);
        return answer === `2:${victim.id}:arena`;
      }, 15_000);
      await lineMatching(watcher.client, new RegExp(`^2:${victim.id}:arena$`));
      const members = await redis.zrange(roomMembersKey(prefix, 'arena'), 0, -1);
      assert.deepEqual(members, [String(watcher.id), String(victim.id)]);

      // Now it dies for good: its client must leave, in Redis too, and the room count with it.
      await killHard(doomed.child);
      const bound = FAST_CLUSTER.clusterNodeTimeoutMs + 2 * FAST_CLUSTER.clusterHeartbeatMs;
      await lineMatching(watcher.client, new RegExp(`^2:${victim.id}:$`), bound + 5_000);
      assert.deepEqual(await redis.zrange(roomMembersKey(prefix, 'arena'), 0, -1), [
        String(watcher.id),
      ]);
      watcher.client.send('1');
      assert.match(await watcher.client.next(5_000), /^1:(.*,)?arena-1(,|$)/);
    });
  });
});

describe(
  'a Redis stalled (SIGSTOP) while a client floods',
  { timeout: 90_000, skip: OWN_REDIS_ONLY },
  () => {
    const prefix = testPrefix();
    const cleanup = cleanupAfterAll();

    it('bounds what waits for Redis: not ready and 9:unavailable, no runaway memory, all back after', async () => {
      const port = await freePort();
      const redis: ChildProcess = await startRedis(port);
      cleanup.push(() => killHard(redis));
      const url = `redis://127.0.0.1:${port}`;
      const flooded = await spawnNode(url, prefix);
      cleanup.push(() => killHard(flooded.child));
      const quiet = await spawnNode(url, prefix);
      cleanup.push(() => killHard(quiet.child));
      const flooder = await joined(flooded.port, 'flooder', 'flood');
      const reader = await joined(quiet.port, 'reader', 'flood');
      cleanup.push(() => [flooder, reader].forEach((player) => player.client.close()));

      const pid = flooded.child.pid as number;
      const before = rssMiB(pid);
      const stream = flood(flooder.client, 2048, 5_000);
      cleanup.push(() => stream.stop());
      await sleep(300);
      redis.kill('SIGSTOP');
      cleanup.push(() => redis.kill('SIGCONT'));
      const stoppedAt = Date.now();
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 100);
      cleanup.push(() => clearInterval(sampler));
      // The flooded node gives up on the stalled Redis: not ready, its member told.
      await until(async () => (await readyStatus(flooded.httpPort)) === 503, 5_000);
      const notReadyAfter = Date.now() - stoppedAt;
      await lineMatching(flooder.client, /^9:unavailable:/);
      await lineMatching(flooder.client, new RegExp(`^2:${flooder.id}:$`));
      // Redis stays stopped much longer than the node timeout while the flood goes on.
      await sleep(6_000 - (Date.now() - stoppedAt));
      const written = stream.written();
      stream.stop();
      clearInterval(sampler);
      redis.kill('SIGCONT');
      const facts = JSON.stringify({ before, peak, notReadyAfter, written });
      assert.ok(written > 20_000, `the flood ran: ${facts}`);
      assert.ok(peak - before < 150, `the flooded node's memory stayed bounded: ${facts}`);

      // Both nodes come back, and the cluster relays across them without loss.
      for (const node of [flooded, quiet]) {
        await until(async () => (await readyStatus(node.httpPort)) === 200, 20_000);
      }
      await besideControlGroup([flooded, quiet], () => sleep(1_000));
    });
  },
);

describe(
  'one client flooding large messages into its room',
  { timeout: 90_000, skip: OWN_REDIS_ONLY },
  () => {
    const prefix = testPrefix();
    const cleanup = cleanupAfterAll();

    it("cannot get a node's subscriber connection closed by Redis's pub/sub buffer limit", async () => {
      const port = await freePort();
      // A small pub/sub output-buffer limit, so that what took a 32 MiB overrun shows quickly.
      const limit = ['--client-output-buffer-limit', 'pubsub 8mb 4mb 10'];
      const redis = await startRedis(port, limit);
      cleanup.push(() => killHard(redis));
      const url = `redis://127.0.0.1:${port}`;
      // Nodes of their own processes: the flood costs them, not the test's control group.
      const nodes = [await spawnNode(url, prefix), await spawnNode(url, prefix)];
      cleanup.push(() => Promise.all(nodes.map((node) => killHard(node.child))));
      const [first, second] = nodes as [NodeProcess, NodeProcess];
      const flooder = await joined(first.port, 'flooder', 'flood');
      const reader = await joined(second.port, 'reader', 'flood');
      cleanup.push(() => [flooder, reader].forEach((player) => player.client.close()));
      const subscribers = await linkIds(url, 'subscriber');
      assert.equal(subscribers.length, 2);

      const endpoints = nodes.map(({ port: tcp, httpPort }) => ({ port: tcp, httpPort }));
      const group = await ControlGroup.start({ port: first.port, endpoints });
      try {
        const baseline = await group.baseline(800);
        // 12 MB/s, three times what the backplane lets one client publish.
        const stream = flood(flooder.client, 8 * 1024, 1_500);
        await sleep(3_000);
        const written = stream.stop();
        const during = group.mark();
        // What this is about: no member of the group detached (`9:unavailable`), nothing lost.
        // Latency is reported, not asserted: the flood's bytes cost this small shared machine's
        // CPU (the test process writes them), which says nothing about the subscription.
        const report = await group.stop();
        const facts = JSON.stringify({ report, baseline, during, written });
        assert.deepEqual(report.refusals, [], `control members refused: ${facts}`);
        assert.equal(report.lost + report.udpLost + report.disorder, 0, `control lost: ${facts}`);
        assert.equal(report.dropped, 0, `control members dropped: ${facts}`);
        assert.ok(written > 100, `the flood ran: ${written} lines`);
      } finally {
        group.close();
      }
      assert.deepEqual(await linkIds(url, 'subscriber'), subscribers, 'no subscriber was closed');
      for (const node of nodes) assert.equal(await readyStatus(node.httpPort), 200);
    });
  },
);
