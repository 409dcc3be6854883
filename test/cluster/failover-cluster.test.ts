/**
 * Issue 12, failover: a primary of a Redis Cluster killed with kill -9 under traffic, on a
 * throwaway Redis Cluster of the test's own (free ports), so the shared one is not broken.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OWN_REDIS_ONLY, roomShards, startCluster, testPrefix } from '../helpers/cluster.js';
import { killHard, startRedisCluster } from '../helpers/cluster-processes.js';
import type { LineClient } from '../helpers/line-client.js';
import type { TestServer } from '../helpers/test-server.js';
import { cleanupAfterAll, joined, lineMatching } from './cluster-steps.js';

/** Within this, from the kill, every member is in a consistent room again (issue 12). */
const CONSISTENT_WITHIN_MS = 15_000;

interface Member {
  readonly client: LineClient;
  readonly id: number;
  readonly room: string;
}

describe(
  'a Redis Cluster primary killed under traffic',
  { timeout: 120_000, skip: OWN_REDIS_ONLY },
  () => {
    const prefix = testPrefix();
    const cleanup = cleanupAfterAll();

    it('detaches the members, and every member is in a consistent room again within 15 s', async () => {
      const redis = await startRedisCluster();
      cleanup.push(() => redis.stop());
      const first = `redis://127.0.0.1:${redis.ports[0]}`;
      const shards = await roomShards(prefix, 2, first, true);
      const [east, eastPrimary] = shards[0] as [string, string];
      const [west] = shards[1] as [string, string];
      // The nodes start from a primary that stays up: ioredis finds the cluster through it again.
      const survivor = redis.ports.find((port) => `127.0.0.1:${port}` !== eastPrimary) as number;
      const nodes = await startCluster(2, prefix, {}, undefined, `redis://127.0.0.1:${survivor}`);
      cleanup.push(() => Promise.all(nodes.map((node) => node.stop())));

      const members: Member[] = [];
      for (const room of [east, west] as string[]) {
        for (const index of [0, 1, 0, 1]) {
          const node = nodes[index] as TestServer;
          const player = await joined(node.port, `${room}-${members.length}`, room);
          members.push({ ...player, room });
        }
      }
      cleanup.push(() => members.forEach((member) => member.client.close()));
      const traffic = setInterval(() => {
        for (const member of members) member.client.send(`3:3:tick`);
      }, 50);
      cleanup.push(() => clearInterval(traffic));
      await new Promise((resolve) => setTimeout(resolve, 500));

      const victim = redis.children[redis.ports.indexOf(Number(eastPrimary?.split(':')[1]))];
      assert.ok(victim !== undefined, 'the primary of the east room is one of ours');
      const killedAt = Date.now();
      await killHard(victim);
      const deadline = killedAt + CONSISTENT_WITHIN_MS;

      // What a member sees meanwhile: 9:unavailable, then its own leave (the whole node lets go of
      // its rooms: it cannot know which events it missed; docs/cluster.md, failover).
      await Promise.all(
        members.map(async ({ client, id }) => {
          await lineMatching(client, /^9:unavailable/, deadline - Date.now());
          await lineMatching(client, new RegExp(`^2:${id}:$`), deadline - Date.now());
        }),
      );
      const detachedMs = Date.now() - killedAt;
      clearInterval(traffic);
      // Each member joins its room again as soon as its node lets it. The traffic's answers
      // (9:unavailable while a node was detached) are dropped first, and before each try: the
      // slower a node is to detach, the more of them wait unread, and each is not the answer
      // to a join.
      await Promise.all(
        members.map(async ({ client, id, room }) => {
          await client.quiet(100);
          for (;;) {
            await client.quiet(0);
            client.send(`2:${room}`);
            const answer = await lineMatching(
              client,
              new RegExp(`^(2:${id}:|9:)`),
              deadline - Date.now(),
            );
            if (answer.startsWith(`2:${id}:${room}`)) return;
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        }),
      );
      // Consistent: both nodes hold both rooms with every member, in the same order.
      for (;;) {
        const views = nodes.map((node) => node.server.view.rooms());
        const agree = [east, west].every((room) => {
          const expected = new Set(members.filter((m) => m.room === room).map((m) => m.id));
          const orders = views.map((rooms) => rooms.find((r) => r.name === room)?.memberIds ?? []);
          return orders.every(
            (order) =>
              order.length === expected.size &&
              order.every((id) => expected.has(id)) &&
              order.join() === orders[0]?.join(),
          );
        });
        if (agree) break;
        assert.ok(Date.now() < deadline, `rooms not consistent within ${CONSISTENT_WITHIN_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const consistentMs = Date.now() - killedAt;
      console.log(
        `# failover: detached after ${detachedMs} ms, consistent again after ${consistentMs} ms`,
      );
      // And the rooms work: a message reaches every member of its room.
      const [sender] = members;
      sender?.client.send('3:0:after the failover');
      for (const member of members.filter((m) => m.room === sender?.room && m !== sender)) {
        await lineMatching(member.client, /^3:\d+:after the failover$/, 5_000);
      }
    });
  },
);
