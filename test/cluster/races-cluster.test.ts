import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deletePrefix, startCluster, testPrefix } from '../helpers/cluster.js';
import { LineClient } from '../helpers/line-client.js';
import type { TestServer } from '../helpers/test-server.js';

describe('a three-node cluster under concurrent joins', { timeout: 60_000 }, () => {
  const prefix = testPrefix();
  let nodes: TestServer[] = [];
  const open: LineClient[] = [];

  before(async () => {
    nodes = await startCluster(3, prefix, { maxRoomMembers: 3, maxRooms: 3 });
  });
  after(async () => {
    for (const client of open) client.close();
    await Promise.all(nodes.map((node) => node.stop()));
    await deletePrefix(prefix);
  });

  async function players(count: number): Promise<{ client: LineClient; id: number }[]> {
    const result = [];
    for (let index = 0; index < count; index += 1) {
      const node = nodes[index % nodes.length] as TestServer;
      const player = await LineClient.login(node.port, `p${index}`);
      open.push(player.client);
      result.push(player);
    }
    return result;
  }

  it('lets exactly maxRoomMembers of many simultaneous joiners in, all agreeing on the room', async () => {
    const joiners = await players(6);
    for (const { client } of joiners) client.send('2:cap');
    const first = await Promise.all(joiners.map(({ client }) => client.next(10_000)));
    const inside = joiners.filter((_, index) => !(first[index] as string).startsWith('9:'));
    assert.equal(inside.length, 3, JSON.stringify(first));
    for (const [index, line] of first.entries()) {
      if (line.startsWith('9:')) assert.match(line, /^9:room_full:/);
      else assert.equal(line, `2:${(joiners[index] as { id: number }).id}:cap`);
    }
    // Each member's view, once the joins are done: the same members, oldest first, one master.
    const views = await Promise.all(
      inside.map(async ({ client, id }) => {
        // Its own join sequence: the older members, then the master...
        const older = [];
        let line = await client.next(5_000);
        while (!line.startsWith('4:')) {
          older.push(line);
          line = await client.next(5_000);
        }
        // ...then the joins of the younger ones.
        const younger = await client.nextLines(inside.length - 1 - older.length, 5_000);
        return { members: [...older, `2:${id}:cap`, ...younger], master: line };
      }),
    );
    for (const view of views) assert.deepEqual(view, views[0]);
    assert.equal(views[0]?.master, `4:${/^2:(\d+):/.exec(views[0]?.members[0] ?? '')?.[1]}`);
  });

  it('leaves no ghost member behind a client that disconnects while its join is in flight', async () => {
    const [watcher, ...quitters] = await players(4);
    watcher?.client.send('2:ghost');
    assert.equal(await watcher?.client.next(5_000), `2:${watcher?.id}:ghost`);
    await watcher?.client.next(5_000);
    for (const quitter of quitters) {
      quitter.client.send('2:ghost');
      quitter.client.close();
    }
    // Any quitter the watcher saw arrive, it also sees leave: the leave runs after the join.
    const present = new Set<string>();
    const seenLines = await (watcher as { client: LineClient }).client.quiet(1_500);
    for (const line of seenLines) {
      const [, id, room] = /^2:(\d+):(.*)$/.exec(line) ?? [];
      if (room === 'ghost') present.add(id as string);
      else if (id !== undefined) present.delete(id);
    }
    assert.deepEqual([...present], []);
    watcher?.client.send('1');
    assert.match(
      await (watcher as { client: LineClient }).client.next(5_000),
      /(^1:|,)ghost-1(,|$)/,
    );
  });

  it('creates no more than maxRooms rooms when several nodes create rooms at once', async () => {
    const creators = await players(6);
    // Two rooms (cap, ghost) are left from the tests above: one more fits.
    for (const [index, { client }] of creators.entries()) client.send(`2:new${index}`);
    const first = await Promise.all(creators.map(({ client }) => client.next(10_000)));
    assert.equal(first.filter((line) => line.startsWith('9:too_many_rooms:')).length, 5);
    assert.equal(first.filter((line) => /^2:\d+:new\d$/.test(line)).length, 1);
  });
});
