import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Cluster, Redis } from 'ioredis';
import { eventually } from '../helpers/admin-http.js';
import {
  deletePrefix,
  keysUnder,
  REDIS_URL,
  roomMembersKey,
  roomOfMembersKey,
  startCluster,
  testPrefix,
  testRedis,
} from '../helpers/cluster.js';
import { besideControlGroup } from '../helpers/control-group.js';
import { JoinOrderModel } from '../helpers/join-order-model.js';
import { LineClient } from '../helpers/line-client.js';
import { assertStillAnswered, offend, writeRaw, type Offender } from '../helpers/offenders.js';
import { racesBesideControlGroup } from '../helpers/races.js';
import type { TestServer } from '../helpers/test-server.js';

const OFFENDERS = 20;
const MAX_LINE = 64 * 1024;
const RACERS = 20;
const ROUNDS = 4;
const ROOMS = ['r0', 'r1', 'r2', 'r3', 'control'];

/** Joins of room names the server must refuse: too long, a control character, invalid UTF-8. */
const BAD_JOINS: readonly Buffer[] = [
  Buffer.from(`2:${'r'.repeat(200)}\n`),
  Buffer.from('2:bad\u0007room\n'),
  Buffer.concat([Buffer.from('2:'), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('\n')]),
];

/**
 * Resolves once nothing of an offender's is held any longer: a room list it asks for is answered
 * (held lines are replayed in order, so the answer comes after all of them). The garbage may
 * hold joins of its own, each a Redis round trip; asked again while the queue is still full.
 */
async function drained(client: Offender): Promise<void> {
  await eventually(async () => {
    const from = client.lines.length;
    client.write('1\n');
    await eventually(() => {
      assert.ok(client.lines.slice(from).some((line) => /^(1:|9:too_many_pending:)/.test(line)));
    }, 2000);
    assert.ok(
      client.lines.slice(from).some((line) => line.startsWith('1:')),
      'still held',
    );
  }, 10_000);
}

/**
 * Each room's members, as every node's replica holds them and as Redis holds them, in the join
 * order and with the master of the reference model (what the clients were told).
 */
async function assertClusterAgrees(
  nodes: readonly TestServer[],
  redis: Redis | Cluster,
  prefix: string,
  live: ReadonlySet<number>,
  model: JoinOrderModel,
): Promise<void> {
  // The truth: each node's own sessions, and the room each says it is in.
  const sessions = nodes.flatMap((node) => node.server.view.sessions());
  const ids = sessions.map((session) => session.clientId);
  assert.equal(new Set(ids).size, ids.length, 'client ids are unique across the nodes');
  assert.deepEqual(new Set(ids), live, 'the nodes hold exactly the live clients');
  const expected = new Map<string, Set<number>>();
  for (const { room, clientId } of sessions) {
    if (room === undefined || clientId === undefined) continue;
    expected.set(room, (expected.get(room) ?? new Set()).add(clientId));
  }
  // Every node's replica of every room it holds: those members, in the model's join order and
  // with its master (so the nodes agree with each other too).
  const views = new Map<string, readonly number[]>();
  for (const [index, node] of nodes.entries()) {
    const rooms = node.server.view.rooms();
    for (const { name, memberIds } of rooms) {
      const where = `node ${index}, room ${name}`;
      assert.ok(memberIds.length > 0, `${where}: empty but alive`);
      assert.deepEqual(new Set(memberIds), expected.get(name), `${where}: members`);
      views.set(name, memberIds);
    }
    model.assertSnapshot(rooms, `node ${index}`);
    const held = new Set(rooms.map((room) => room.name));
    for (const session of node.server.view.sessions()) {
      if (session.room !== undefined) {
        assert.ok(held.has(session.room), `node ${index} has no replica of ${session.room}`);
      }
    }
  }
  // Redis: one members set per live room, in the same order, and the same room index.
  const keys = (await keysUnder(prefix)).filter(
    (key) => key.startsWith(`${prefix}:room:`) && key.endsWith(':members'),
  );
  const redisRooms = keys.map((key) => roomOfMembersKey(prefix, key));
  assert.deepEqual(new Set(redisRooms), new Set(expected.keys()), 'rooms in Redis');
  const index = await redis.zrange(`${prefix}:{rooms}:index`, 0, -1);
  assert.deepEqual(new Set(index), new Set(expected.keys()), "Redis's room index");
  for (const room of redisRooms) {
    const members = (await redis.zrange(roomMembersKey(prefix, room), 0, -1)).map(Number);
    assert.deepEqual(members, views.get(room), `room ${room}: Redis and the nodes disagree`);
  }
}

describe('attacks on a two-node cluster', { timeout: 60_000 }, () => {
  const clusters: { nodes: TestServer[]; prefix: string }[] = [];
  const open: { close(): void }[] = [];
  const redis = testRedis(REDIS_URL, true);
  after(async () => {
    for (const client of open) client.close();
    for (const { nodes, prefix } of clusters) {
      await Promise.all(nodes.map((node) => node.stop()));
      await deletePrefix(prefix);
    }
    redis.disconnect();
  });
  async function cluster(settings: Record<string, unknown> = {}): Promise<TestServer[]> {
    const prefix = testPrefix();
    // Killed clients must leave at once here (resume off); resume has its own tests.
    const nodes = await startCluster(2, prefix, { resumeTtlMs: 0, ...settings });
    clusters.push({ nodes, prefix });
    return nodes;
  }
  const node = (nodes: readonly TestServer[], index: number): TestServer =>
    nodes[index % nodes.length] as TestServer;

  it('answers garbage from 20 clients on both nodes while a group spread over both loses nothing', async () => {
    const nodes = await cluster({ maxLineLength: MAX_LINE });
    const { prefix } = clusters.at(-1) as { prefix: string };
    if (redis.status === 'wait') await redis.connect();
    const hugeLiners = new Set<Offender>();
    const offenders = await besideControlGroup(nodes, async () => {
      const started = await Promise.all(
        Array.from({ length: OFFENDERS }, async (_, index) => {
          const client = await offend(node(nodes, index), index);
          // The logged-in ones (even) ask for rooms no one may have; some TCP ones send a line
          // four times the limit. The bad joins wait for the offender's own join to be answered:
          // behind a join in flight (a Redis round trip) the garbage may fill the pending queue,
          // and lines past it get `too_many_pending` instead, as they should.
          if (index % 2 === 0) {
            await eventually(() => {
              assert.ok(client.lines.some((line) => /^2:\d+:junk/.test(line)));
            }, 5000);
            await drained(client);
            for (const join of BAD_JOINS) writeRaw(client, join);
          }
          if (index % 4 === 1 && client instanceof LineClient) {
            client.write(`3:0:${'a'.repeat(4 * MAX_LINE)}\n`);
            hugeLiners.add(client);
          }
          return client;
        }),
      );
      open.push(...started);
      await new Promise((resolve) => setTimeout(resolve, 500));
      return started;
    });
    assert.ok(hugeLiners.size >= 3, 'some offenders sent a huge line');
    for (const [index, client] of offenders.entries()) {
      const facts = `offender ${index}: ${JSON.stringify(client.lines.slice(0, 8))}`;
      assert.ok(client.lines.length > 0, `no answer: ${facts}`);
      for (const line of client.lines) assert.match(line, /^[0-9]:/, facts);
      assert.ok(
        client.lines.some((line) => line.startsWith('9:')),
        `no 9: line: ${facts}`,
      );
      if (index % 2 === 0) {
        const refused = client.lines.filter((line) => line.startsWith('9:bad_room_name:'));
        assert.ok(refused.length >= 2, `bad room names not refused: ${facts}`);
      }
      if (hugeLiners.has(client)) {
        await client.waitClosed(5000);
        assert.match(client.lines.at(-1) ?? '', /^9:line_too_long:/, facts);
      }
    }
    // Garbage alone closes nobody: the others are still answered, on both nodes.
    const alive = offenders.filter((client) => !client.closed);
    assert.equal(alive.length, OFFENDERS - hugeLiners.size, 'only the huge lines closed');
    await assertStillAnswered(alive);
    // Once they are gone, nothing of them is left, in either node or in Redis.
    for (const client of offenders) client.close();
    await eventually(
      () => assertClusterAgrees(nodes, redis, prefix, new Set(), new JoinOrderModel([])),
      5000,
    );
    // Both nodes still serve, and still relay to each other.
    const [first, second] = await Promise.all(
      nodes.map((server, index) => LineClient.login(server.port, `after${index}`)),
    );
    if (first === undefined || second === undefined) assert.fail('two nodes');
    open.push(first.client, second.client);
    await first.client.joinRoom('after');
    await second.client.joinRoom('after');
    first.client.send('3:0:still here');
    assert.equal(await second.client.next(3000), `3:${first.id}:still here`);
  });

  it('agrees on members and masters on both nodes and in Redis after join/leave races with kills', async (t) => {
    const nodes = await cluster();
    const { prefix } = clusters.at(-1) as { prefix: string };
    if (redis.status === 'wait') await redis.connect();
    await racesBesideControlGroup(nodes, {
      racers: RACERS,
      rounds: ROUNDS,
      rooms: ROOMS,
      // The racers take turns over the two nodes.
      connect: async (index) => {
        const racer = await LineClient.login(node(nodes, index).port, 'racer');
        open.push(racer.client);
        return racer;
      },
      check: (live, model) => assertClusterAgrees(nodes, redis, prefix, live, model),
      report: (message) => t.diagnostic(message),
    });
  });
});
