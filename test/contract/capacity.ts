/**
 * Capacity under concurrent joins (core/admission.ts): `room_full` and `too_many_rooms` hold when
 * many clients ask at once, from every node of a cluster, and the rooms end as their members
 * were told. The first three tests moved here from test/cluster/races-cluster.test.ts, their
 * assertions unchanged.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { assertRoomsAsTold } from './rooms-as-told.js';
import {
  useWorld,
  worldForTest,
  type ContractTarget,
  type Player,
  type WorldFixture,
} from './targets.js';

/** Clients each alone in a room of its own, the rooms named by `names`. */
async function holders(fixture: WorldFixture, ...names: string[]): Promise<Player[]> {
  const result: Player[] = [];
  for (const name of names) {
    const player = await fixture.login(`holder-${name}`);
    assert.deepEqual(await player.client.joinRoom(name), [
      `2:${player.id}:${name}`,
      `4:${player.id}`,
    ]);
    result.push(player);
  }
  return result;
}

export function capacityContract(target: ContractTarget): void {
  const wait = target.lineTimeoutMs;
  const worldFor = (context: TestContext, settings: Record<string, unknown>) =>
    worldForTest(context, target, settings);

  describe('room_full under concurrent joins', { timeout: 60_000 }, () => {
    const fixture = useWorld(target, { maxRoomMembers: 3 });

    it('lets exactly maxRoomMembers of many simultaneous joiners in, all agreeing on the room', async () => {
      const joiners = await fixture.players(6);
      for (const { client } of joiners) client.send('2:cap');
      const first = await Promise.all(joiners.map(({ client }) => client.next(2 * wait)));
      const inside = joiners.filter((_, index) => !(first[index] as string).startsWith('9:'));
      assert.equal(inside.length, 3, JSON.stringify(first));
      for (const [index, line] of first.entries()) {
        if (line.startsWith('9:')) assert.match(line, /^9:room_full:/);
        else assert.equal(line, `2:${(joiners[index] as Player).id}:cap`);
      }
      // Each member's view, once the joins are done: the same members, oldest first, one master.
      const views = await Promise.all(
        inside.map(async ({ client, id }) => {
          // Its own join sequence: the older members, then the master...
          const older = [];
          let line = await client.next(wait);
          while (!line.startsWith('4:')) {
            older.push(line);
            line = await client.next(wait);
          }
          // ...then the joins of the younger ones.
          const younger = await client.nextLines(inside.length - 1 - older.length, wait);
          return { members: [...older, `2:${id}:cap`, ...younger], master: line };
        }),
      );
      for (const view of views) assert.deepEqual(view, views[0]);
      assert.equal(views[0]?.master, `4:${/^2:(\d+):/.exec(views[0]?.members[0] ?? '')?.[1]}`);
      await assertRoomsAsTold(fixture);
    });

    it('leaves no ghost member behind a client that disconnects while its join is in flight', async () => {
      const [watcher, ...quitters] = (await fixture.players(4)) as [Player, ...Player[]];
      watcher.client.send('2:ghost');
      assert.equal(await watcher.client.next(wait), `2:${watcher.id}:ghost`);
      await watcher.client.next(wait);
      for (const quitter of quitters) {
        quitter.client.send('2:ghost');
        quitter.client.close();
      }
      // Any quitter the watcher saw arrive, it also sees leave: the leave runs after the join.
      const present = new Set<string>();
      const seenLines = await watcher.client.quiet(Math.max(1_500, 5 * target.quietMs));
      for (const line of seenLines) {
        const [, id, room] = /^2:(\d+):(.*)$/.exec(line) ?? [];
        if (room === 'ghost') present.add(id as string);
        else if (id !== undefined) present.delete(id);
      }
      assert.deepEqual([...present], []);
      watcher.client.send('1');
      assert.match(await watcher.client.next(wait), /(^1:|,)ghost-1(,|$)/);
      await assertRoomsAsTold(fixture);
    });

    it('gives a place freed by a leave to one simultaneous joiner at most, the others staying where they were', async (t) => {
      const fixture = await worldFor(t, { maxRoomMembers: 3 });
      const members = await fixture.players(3);
      for (const { client } of members) await client.joinRoom('full');
      const switchers = await fixture.players(4);
      for (const [index, { client }] of switchers.entries()) await client.joinRoom(`side${index}`);
      (members[2] as Player).client.send('2:-1');
      for (const { client } of switchers) client.send('2:full');
      const first = await Promise.all(switchers.map(({ client }) => client.next(2 * wait)));
      const admitted = switchers.filter((_, index) => !(first[index] as string).startsWith('9:'));
      assert.ok(admitted.length <= 1, JSON.stringify(first));
      for (const [index, line] of first.entries()) {
        // A switcher let in leaves its side room first; a refused one stays in it.
        if (line.startsWith('9:')) assert.match(line, /^9:room_full:/);
        else assert.equal(line, `2:${(switchers[index] as Player).id}:`);
      }
      await assertRoomsAsTold(fixture);
    });
  });

  describe('wrong_room_password under concurrent creations', { timeout: 60_000 }, () => {
    const fixture = useWorld(target);

    it('lets one of two clients creating one private room at once make it, with its password', async () => {
      const creators = await fixture.players(2);
      for (const [index, { client }] of creators.entries()) client.send(`2:vault:pw${index}`);
      const first = await Promise.all(creators.map(({ client }) => client.next(2 * wait)));
      const winner = first.findIndex((line) => !line.startsWith('9:'));
      assert.ok(winner >= 0, JSON.stringify(first));
      assert.equal(first[winner], `2:${(creators[winner] as Player).id}:vault`);
      assert.match(first[1 - winner] ?? '', /^9:wrong_room_password:/);
      // The room is private with the winner's password only.
      const loser = creators[1 - winner] as Player;
      loser.client.send(`1:pw${1 - winner}`);
      assert.equal(await loser.client.next(wait), '1:');
      loser.client.send(`1:pw${winner}`);
      assert.equal(await loser.client.next(wait), '1:vault-1');
      await assertRoomsAsTold(fixture);
    });
  });

  describe('too_many_rooms under concurrent creations', { timeout: 60_000 }, () => {
    it('creates no more than maxRooms rooms when clients on every node create rooms at once', async (t) => {
      const fixture = await worldFor(t, { maxRooms: 3 });
      await holders(fixture, 'cap', 'ghost');
      const creators = await fixture.players(6);
      // Two rooms are taken: one more fits.
      for (const [index, { client }] of creators.entries()) client.send(`2:new${index}`);
      const first = await Promise.all(creators.map(({ client }) => client.next(2 * wait)));
      assert.equal(first.filter((line) => line.startsWith('9:too_many_rooms:')).length, 5);
      assert.equal(first.filter((line) => /^2:\d+:new\d$/.test(line)).length, 1);
      await assertRoomsAsTold(fixture);
    });

    it('counts the room a last member leaves as freed, however the switches interleave', async (t) => {
      const fixture = await worldFor(t, { maxRooms: 3 });
      // Three rooms, the limit; two last members switch to new rooms at once, and an outsider
      // asks for one more at the same moment. Each switch frees the room it leaves, so the
      // count stays at three whatever the order: both switches succeed, the outsider is refused.
      const [a, b] = await holders(fixture, 'a', 'b', 'c');
      const outsider = await fixture.login('outsider');
      if (a === undefined || b === undefined) assert.fail('two holders');
      a.client.send('2:a2');
      b.client.send('2:b2');
      outsider.client.send('2:c2');
      assert.match(await outsider.client.next(2 * wait), /^9:too_many_rooms:/);
      for (const [player, room] of [
        [a, 'a2'],
        [b, 'b2'],
      ] as const) {
        assert.deepEqual(await player.client.nextLines(3, 2 * wait), [
          `2:${player.id}:`,
          `2:${player.id}:${room}`,
          `4:${player.id}`,
        ]);
      }
      outsider.client.send('1');
      const listed = (await outsider.client.next(wait)).slice(2).split(',').sort();
      assert.deepEqual(listed, ['a2-1', 'b2-1', 'c-1']);
      await assertRoomsAsTold(fixture);
    });
  });
}
