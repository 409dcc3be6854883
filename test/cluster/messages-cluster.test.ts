import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  deletePrefix,
  roomsOnDifferentShards,
  startCluster,
  testPrefix,
} from '../helpers/cluster.js';
import { LineClient } from '../helpers/line-client.js';
import type { TestServer } from '../helpers/test-server.js';
import { UdpClient } from '../helpers/udp-client.js';

interface Player {
  readonly client: LineClient;
  readonly id: number;
  readonly node: TestServer;
}

describe('a three-node cluster relaying messages', { timeout: 60_000 }, () => {
  const prefix = testPrefix();
  let nodes: TestServer[] = [];
  const open: { close(): void }[] = [];

  before(async () => {
    nodes = await startCluster(3, prefix);
  });
  after(async () => {
    for (const client of open) client.close();
    await Promise.all(nodes.map((node) => node.stop()));
    await deletePrefix(prefix);
  });

  async function player(nodeIndex: number, name: string, room?: string): Promise<Player> {
    const node = nodes[nodeIndex] as TestServer;
    const { client, id } = await LineClient.login(node.port, name);
    open.push(client);
    if (room !== undefined) {
      client.send(`2:${room}`);
      while (!(await client.next(5_000)).startsWith('4:'));
    }
    return { client, id, node };
  }

  /** Reads lines until `count` of them match, skipping membership lines (2: and 4:). */
  async function messages(who: Player, count: number): Promise<string[]> {
    const got: string[] = [];
    while (got.length < count) {
      const line = await who.client.next(10_000);
      if (!line.startsWith('2:') && !line.startsWith('4:')) got.push(line);
    }
    return got;
  }

  it('gives every node client ids no other node gives', async () => {
    const players = await Promise.all([0, 1, 2, 0, 1, 2].map((n, i) => player(n, `p${i}`)));
    const ids = players.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('relays modes 0 to 3 to the members on every node, the sender only for 1 and 3', async () => {
    const a = await player(0, 'a', 'modes');
    const b = await player(1, 'b', 'modes');
    const c = await player(2, 'c', 'modes');
    // Membership lines first: a sees b and c join, b sees c.
    for (const mode of [0, 1, 2, 3]) b.client.send(`3:${mode}:m${mode}:with:colons`);
    const expectOthers = [0, 1, 2, 3].map((mode) => `3:${b.id}:m${mode}:with:colons`);
    const expectSelf = [1, 3].map((mode) => `3:${b.id}:m${mode}:with:colons`);
    assert.deepEqual(await messages(a, 4), expectOthers);
    assert.deepEqual(await messages(c, 4), expectOthers);
    assert.deepEqual(await messages(b, 2), expectSelf);
    assert.deepEqual(await b.client.quiet(150), []);
  });

  it('lists the rooms of the whole cluster with their member counts', async () => {
    const a = await player(0, 'lister', 'listed');
    await player(1, 'other', 'listed');
    a.client.send('1');
    let line = await a.client.next(5_000);
    while (!line.startsWith('1:')) line = await a.client.next(5_000);
    assert.match(line, /(^1:|,)listed-2(,|$)/);
    assert.match(line, /(^1:|,)modes-3(,|$)/);
  });

  it('reaches the named clients of a group on any node, each once', async () => {
    const sender = await player(0, 'sender');
    const far = await player(1, 'far', 'somewhere');
    const farther = await player(2, 'farther');
    sender.client.send(`5:team:${far.id}:${farther.id}:${far.id}`);
    sender.client.send('4:team:hello team');
    assert.equal(await far.client.next(5_000), `3:${sender.id}:hello team`);
    assert.equal(await farther.client.next(5_000), `3:${sender.id}:hello team`);
    assert.deepEqual(await sender.client.quiet(150), []);
    assert.deepEqual(await far.client.quiet(0), []);
  });

  it('orders ordered messages of senders on different nodes, and joins and leaves, the same for all', async () => {
    // One after another, so member i sees the joins of the 2 - i members after it.
    const members: Player[] = [];
    for (const n of [0, 1, 2]) members.push(await player(n, `o${n}`, 'ordered'));
    // Settle the join lines: each member reads until it has seen all three joins.
    await Promise.all(
      members.map(async (member, index) => {
        for (let joins = index; joins < 2;)
          if ((await member.client.next(5_000)).startsWith('2:')) joins += 1;
      }),
    );
    // A visitor on another node joins and leaves twice in the middle of the burst.
    const visitor = await player(1, 'visitor');
    const perSender = 150;
    for (let n = 0; n < perSender; n += 1) {
      if (n === 30 || n === 90) visitor.client.send('2:ordered');
      if (n === 60 || n === 120) visitor.client.send('2:-1');
      for (const member of members) member.client.send(`3:3:${member.id}-${n}`);
    }
    // Every line each member gets: the messages and the visitor's four membership lines.
    const seen = await Promise.all(
      members.map(async (member) => {
        const lines: string[] = [];
        while (lines.length < perSender * 3 + 4) lines.push(await member.client.next(10_000));
        return lines;
      }),
    );
    for (const lines of seen.slice(1)) assert.deepEqual(lines, seen[0]);
    const all = seen[0] as string[];
    assert.deepEqual(
      all.filter((line) => line.startsWith('2:')),
      [
        `2:${visitor.id}:ordered`,
        `2:${visitor.id}:`,
        `2:${visitor.id}:ordered`,
        `2:${visitor.id}:`,
      ],
    );
    // Each sender's own messages keep their sending order within the total order.
    for (const member of members) {
      const own = all.filter((line) => line.startsWith(`3:${member.id}:`));
      assert.deepEqual(
        own,
        Array.from({ length: perSender }, (_, n) => `3:${member.id}:${member.id}-${n}`),
      );
    }
  });

  it('orders two rooms on different shards at once, a visitor switching between them', async () => {
    const [east, west] = (await roomsOnDifferentShards(prefix, 2)) as [string, string];
    const rooms = { [east]: [] as Player[], [west]: [] as Player[] };
    for (const room of [east, west]) {
      for (const n of [0, 1, 2]) rooms[room]?.push(await player(n, `${room}-${n}`, room));
    }
    const everyone = [...(rooms[east] ?? []), ...(rooms[west] ?? [])];
    // Settle the join lines: the first of each room saw two joins, the second one.
    await Promise.all(
      everyone.map(async (member, index) => {
        for (let joins = index % 3; joins < 2;)
          if ((await member.client.next(5_000)).startsWith('2:')) joins += 1;
      }),
    );
    // The visitor switches east -> west -> east in the middle of the burst.
    const visitor = await player(1, 'switcher', east);
    for (const member of rooms[east] ?? []) await member.client.next(5_000);
    const perSender = 60;
    for (let n = 0; n < perSender; n += 1) {
      if (n === 20) visitor.client.send(`2:${west}`);
      if (n === 40) visitor.client.send(`2:${east}`);
      for (const member of everyone) member.client.send(`3:3:${member.id}-${n}`);
    }
    // East members: the messages, the visitor's leave and its join again; west: its join, leave.
    for (const [room, moves] of [
      [east, [`2:${visitor.id}:`, `2:${visitor.id}:${east}`]],
      [west, [`2:${visitor.id}:${west}`, `2:${visitor.id}:`]],
    ] as const) {
      const members = rooms[room] ?? [];
      const seen = await Promise.all(
        members.map(async (member) => {
          const lines: string[] = [];
          while (lines.length < perSender * 3 + 2) lines.push(await member.client.next(10_000));
          return lines;
        }),
      );
      for (const lines of seen.slice(1)) assert.deepEqual(lines, seen[0], `room ${room}`);
      const all = seen[0] as string[];
      assert.deepEqual(
        all.filter((line) => line.startsWith('2:')),
        moves,
      );
      for (const member of members) {
        const own = all.filter((line) => line.startsWith(`3:${member.id}:`));
        const sent = Array.from(
          { length: perSender },
          (_, n) => `3:${member.id}:${member.id}-${n}`,
        );
        assert.deepEqual(own, sent, `room ${room}: sender ${member.id} in sending order`);
      }
    }
  });

  it('relays UDP across nodes to bound members only', async () => {
    const a = await player(0, 'ua', 'udp-room');
    const b = await player(1, 'ub', 'udp-room');
    const c = await player(2, 'uc', 'udp-room');
    const udpA = await UdpClient.open(a.node.port);
    const udpB = await UdpClient.open(b.node.port);
    open.push(udpA, udpB);
    assert.equal(await udpA.sendUntilAnswered(`0:${a.id}`), `0:${a.id}:connected`);
    assert.equal(await udpB.sendUntilAnswered(`0:${b.id}`), `0:${b.id}:connected`);
    await udpA.send(`${a.id}:3:1:over udp`);
    assert.equal(await udpB.next(5_000), `3:${a.id}:over udp`);
    assert.equal(await udpA.next(5_000), `3:${a.id}:over udp`);
    // c never bound UDP: nothing reaches it, over UDP or TCP.
    assert.deepEqual(
      (await c.client.quiet(200)).filter((line) => line.startsWith('3:')),
      [],
    );
    await udpB.send(`${b.id}:4:nobody:x`);
    await udpB.send(`${b.id}:3:0:to a`);
    assert.equal(await udpA.next(5_000), `3:${b.id}:to a`);
  });
});
