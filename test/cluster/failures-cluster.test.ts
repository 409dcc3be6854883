import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import {
  FAST_CLUSTER,
  OWN_REDIS_ONLY,
  startCluster,
  testPrefix,
  testRedis,
} from '../helpers/cluster.js';
import { freePort, killHard, startRedis } from '../helpers/cluster-processes.js';
import type { TestServer } from '../helpers/test-server.js';
import { cleanupAfterAll, joined, readyStatus, survivorAndDoomed, until } from './cluster-steps.js';

describe('a node killed with kill -9', { timeout: 60_000 }, () => {
  const prefix = testPrefix();
  const cleanup = cleanupAfterAll(prefix);

  it('is detected, and its clients leave their rooms with a new master elected', async () => {
    const { survivor, doomed } = await survivorAndDoomed(prefix, cleanup);
    const master = await joined(doomed.port, 'master', 'arena');
    const stays = await joined(survivor.port, 'stays', 'arena');
    const other = await joined(doomed.port, 'other', 'arena');
    cleanup.push(() => [master, stays, other].forEach((player) => player.client.close()));
    assert.equal(await stays.client.next(5_000), `2:${other.id}:arena`);

    const killedAt = Date.now();
    await killHard(doomed.child);
    const lines: string[] = [];
    while (lines.length < 3) lines.push(await stays.client.next(10_000));
    const elapsed = Date.now() - killedAt;
    // The master's leave comes before the master change; the other leave before or after.
    const masterLeft = lines.indexOf(`2:${master.id}:`);
    assert.ok(masterLeft >= 0 && lines.includes(`2:${other.id}:`), JSON.stringify(lines));
    assert.ok(lines.indexOf(`4:${stays.id}`) > masterLeft, JSON.stringify(lines));
    const bound = FAST_CLUSTER.clusterNodeTimeoutMs + 2 * FAST_CLUSTER.clusterHeartbeatMs + 3_000;
    assert.ok(elapsed < bound, `detected after ${elapsed} ms`);

    stays.client.send('1');
    assert.equal(await stays.client.next(5_000), '1:arena-1');
  });
});

describe('Redis restarted under load', { timeout: 90_000, skip: OWN_REDIS_ONLY }, () => {
  const prefix = testPrefix();
  const cleanup = cleanupAfterAll();

  it('never crashes a node: not ready while Redis is gone, members detached, all back after', async () => {
    const port = await freePort();
    let redis: ChildProcess = await startRedis(port);
    cleanup.push(() => killHard(redis));
    const url = `redis://127.0.0.1:${port}`;
    const nodes = await startCluster(2, prefix, {}, undefined, url);
    cleanup.push(() => Promise.all(nodes.map((node) => node.stop())));
    const [first, second] = nodes as [TestServer, TestServer];
    const a = await joined(first.port, 'a', 'busy');
    const b = await joined(second.port, 'b', 'busy');
    cleanup.push(() => [a, b].forEach((player) => player.client.close()));
    assert.equal(await a.client.next(5_000), `2:${b.id}:busy`);

    // Load: both keep sending ordered messages while Redis goes away and comes back.
    let sent = 0;
    const load = setInterval(() => {
      for (const player of [a, b])
        for (let n = 0; n < 20; n += 1) player.client.send(`3:3:load ${sent++}`);
    }, 10);
    cleanup.push(() => clearInterval(load));
    await new Promise((resolve) => setTimeout(resolve, 300));

    await killHard(redis);
    await until(async () => (await readyStatus(first.httpPort)) === 503, 10_000);
    // Each member is told, and finds itself outside the room.
    for (const player of [a, b]) {
      let line = await player.client.next(10_000);
      while (!line.startsWith('9:unavailable')) line = await player.client.next(10_000);
      let own = await player.client.next(10_000);
      while (own.startsWith('9:')) own = await player.client.next(10_000);
      assert.equal(own, `2:${player.id}:`);
    }
    a.client.send('2:retry');
    let refused = await a.client.next(5_000);
    while (!refused.startsWith('9:unavailable')) refused = await a.client.next(5_000);

    redis = await startRedis(port);
    await until(async () => (await readyStatus(first.httpPort)) === 200, 15_000);
    await until(async () => (await readyStatus(second.httpPort)) === 200, 15_000);
    clearInterval(load);
    await Promise.all([a.client.quiet(300), b.client.quiet(0)]);

    // Rooms work again across the nodes.
    a.client.send('2:again');
    assert.deepEqual(await a.client.nextLines(2, 5_000), [`2:${a.id}:again`, `4:${a.id}`]);
    b.client.send('2:again');
    assert.equal(await a.client.next(5_000), `2:${b.id}:again`);
    b.client.send('3:0:after the storm');
    assert.equal(await a.client.next(5_000), `3:${b.id}:after the storm`);
  });
});

describe('one node losing its Redis link while the others keep theirs', { timeout: 60_000 }, () => {
  const prefix = testPrefix();
  const cleanup = cleanupAfterAll(prefix);

  it('detaches its members, which the others see leave, and lets them join again', async () => {
    const nodes = await startCluster(2, prefix);
    cleanup.push(() => Promise.all(nodes.map((node) => node.stop())));
    const [cut, fine] = nodes as [TestServer, TestServer];
    const a = await joined(fine.port, 'a', 'room');
    const b = await joined(cut.port, 'b', 'room');
    cleanup.push(() => [a, b].forEach((player) => player.client.close()));
    assert.equal(await a.client.next(5_000), `2:${b.id}:room`);

    // Kill the subscriber connection of the node b is on, as Redis does to a slow subscriber.
    const redis = testRedis();
    cleanup.push(() => redis.quit());
    const nodeIds = await redis.smembers(`${prefix}:{nodes}`);
    const cutNode = (
      await Promise.all(
        nodeIds.map(async (node) =>
          (await redis.hget(`${prefix}:node:{${node}}:clients`, String(b.id))) ? node : '',
        ),
      )
    ).find((node) => node !== '');
    // On Redis Cluster the node has one (sharded) subscriber connection per primary: all go.
    let killed = 0;
    const servers = redis instanceof Cluster ? redis.nodes('master') : [redis];
    for (const server of servers) {
      const entries = String(await server.client('LIST')).split('\n');
      for (const entry of entries) {
        if (!entry.includes(`roomwire:${cutNode}:subscriber`)) continue;
        const id = /(?:^| )id=(\d+)/.exec(entry)?.[1];
        if (id !== undefined) killed += Number(await server.client('KILL', 'ID', id));
      }
    }
    assert.ok(killed > 0, 'the subscriber connection is listed by name');

    assert.equal(
      await b.client.next(5_000),
      '9:unavailable:the cluster backplane is unavailable; try again',
    );
    assert.equal(await b.client.next(5_000), `2:${b.id}:`);
    // The node re-registers at once, removing b's old membership: a sees b leave, as for any leave.
    assert.equal(await a.client.next(10_000), `2:${b.id}:`);
    await until(async () => (await readyStatus(cut.httpPort)) === 200, 10_000);
    b.client.send('2:room');
    assert.deepEqual(await b.client.nextLines(3, 5_000), [
      `2:${b.id}:room`,
      `2:${a.id}:room`,
      `4:${a.id}`,
    ]);
    assert.equal(await a.client.next(5_000), `2:${b.id}:room`);
  });
});
