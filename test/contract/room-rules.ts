/**
 * The join/leave/master rules of protocol section 4 (and the groups and private rooms beside
 * them), over real TCP, on any target. Moved here from test/integration/rooms.test.ts, its
 * assertions unchanged, so that each now holds for every sequencer, with members spread over
 * the nodes of a cluster.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertRoomsAsTold } from './rooms-as-told.js';
import { useWorld, type ContractTarget, type Player } from './targets.js';

/** Asserts that everything the client received so far is exactly these lines, byte for byte. */
function assertReceivedExactly(player: Player, lines: readonly string[]): void {
  assert.deepEqual(player.client.lines.slice(1), lines);
  const bytes = player.client.lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
  assert.equal(player.client.socket.bytesRead, bytes, 'no bytes beyond the lines');
}

export function roomRulesContract(target: ContractTarget): void {
  describe('rooms, masters and groups (sections 4, 5 and 8)', { timeout: 60_000 }, () => {
    const fixture = useWorld(target);
    const { lineTimeoutMs: wait, quietMs } = target;
    let rooms = 0;

    const players = fixture.players;
    const nextLine = (player: Player): Promise<string> => player.client.next(wait);
    const nextLines = (player: Player, count: number): Promise<string[]> =>
      player.client.nextLines(count, wait);
    const quiet = (player: Player): Promise<string[]> => player.client.quiet(quietMs);

    /** Joins `player` to `room` where `members` already are, checking every line, oldest first. */
    async function join(player: Player, room: string, members: readonly Player[]): Promise<void> {
      player.client.send(`2:${room}`);
      for (const member of members) assert.equal(await nextLine(member), `2:${player.id}:${room}`);
      const master = members[0] ?? player;
      assert.deepEqual(await nextLines(player, members.length + 2), [
        `2:${player.id}:${room}`,
        ...members.map((member) => `2:${member.id}:${room}`),
        `4:${master.id}`,
      ]);
    }

    const newRoom = (): string => `room${(rooms += 1)}`;

    /** Three new clients joined to a new room one after another, every line checked. */
    async function roomOfThree(): Promise<[Player, Player, Player]> {
      const [a, b, c] = (await players(3)) as [Player, Player, Player];
      const room = newRoom();
      await join(a, room, []);
      await join(b, room, [a]);
      await join(c, room, [a, b]);
      return [a, b, c];
    }

    it('sends the full join sequence to three clients, byte for byte', async () => {
      const [a, b, c] = (await players(3)) as [Player, Player, Player];
      const room = newRoom();
      // Each join waits for the previous one's lines: only then is the order across sockets fixed.
      a.client.send(`2:${room}`);
      await nextLines(a, 2);
      b.client.send(`2:${room}`);
      await Promise.all([nextLines(a, 1), nextLines(b, 3)]);
      c.client.send(`2:${room}`);
      await Promise.all([nextLines(a, 1), nextLines(b, 1), nextLines(c, 4)]);
      await a.client.quiet(quietMs);
      assertReceivedExactly(a, [
        `2:${a.id}:${room}`,
        `4:${a.id}`,
        `2:${b.id}:${room}`,
        `2:${c.id}:${room}`,
      ]);
      assertReceivedExactly(b, [
        `2:${b.id}:${room}`,
        `2:${a.id}:${room}`,
        `4:${a.id}`,
        `2:${c.id}:${room}`,
      ]);
      assertReceivedExactly(c, [
        `2:${c.id}:${room}`,
        `2:${a.id}:${room}`,
        `2:${b.id}:${room}`,
        `4:${a.id}`,
      ]);
      await assertRoomsAsTold(fixture);
    });

    it('sends the leave events of the old room before the join events of the new one', async () => {
      const [a, b, c] = (await players(3)) as [Player, Player, Player];
      const [old, next] = [newRoom(), newRoom()];
      await join(a, old, []);
      await join(b, old, [a]);
      await join(c, next, []);
      a.client.send(`2:${next}`);
      assert.deepEqual(await nextLines(b, 2), [`2:${a.id}:`, `4:${b.id}`]);
      assert.equal(await nextLine(c), `2:${a.id}:${next}`);
      assert.deepEqual(await nextLines(a, 4), [
        `2:${a.id}:`,
        `2:${a.id}:${next}`,
        `2:${c.id}:${next}`,
        `4:${c.id}`,
      ]);
      for (const player of [a, b, c]) assert.deepEqual(await quiet(player), []);
      await assertRoomsAsTold(fixture);
    });

    it('makes the oldest remaining member master when the master leaves with 2:-1', async () => {
      const [a, b, c] = await roomOfThree();
      a.client.send('2:-1');
      assert.equal(await nextLine(a), `2:${a.id}:`);
      assert.deepEqual(await nextLines(b, 2), [`2:${a.id}:`, `4:${b.id}`]);
      assert.deepEqual(await nextLines(c, 2), [`2:${a.id}:`, `4:${b.id}`]);
      for (const player of [a, b, c]) assert.deepEqual(await quiet(player), []);
      await assertRoomsAsTold(fixture);
    });

    it('tells the others 2:<id>: and 4:<new master> when the master disconnects', async () => {
      const [a, b, c] = await roomOfThree();
      a.client.socket.destroy();
      assert.deepEqual(await nextLines(b, 2), [`2:${a.id}:`, `4:${b.id}`]);
      assert.deepEqual(await nextLines(c, 2), [`2:${a.id}:`, `4:${b.id}`]);
      // A member who is not the master disconnecting changes no master.
      c.client.socket.destroy();
      assert.equal(await nextLine(b), `2:${c.id}:`);
      assert.deepEqual(await quiet(b), []);
      await assertRoomsAsTold(fixture);
    });

    it('relays a group message to named clients in other rooms and in none, each once', async () => {
      const [a, b, c, d] = (await players(4)) as [Player, Player, Player, Player];
      await join(a, newRoom(), []);
      await join(b, newRoom(), []);
      await join(d, newRoom(), []);
      a.client.send(`5:mixed:${b.id}:${c.id}:${c.id}:${a.id}`);
      a.client.send('4:mixed:over:here');
      for (const player of [a, b, c]) {
        assert.equal(await nextLine(player), `3:${a.id}:over:here`);
      }
      for (const player of [a, b, c, d]) assert.deepEqual(await quiet(player), []);
      b.client.send('4:mixed:not mine');
      assert.match(await nextLine(b), /^9:unknown_group:/);
    });

    it('hides private rooms from the list unless the password matches, and guards joining', async () => {
      const [a, b] = (await players(2)) as [Player, Player];
      const [open1, secret] = [newRoom(), newRoom()];
      await join(a, secret, []);
      a.client.send('2:-1');
      await nextLine(a);
      a.client.send(`2:${secret}:pw1`);
      assert.deepEqual(await nextLines(a, 2), [`2:${a.id}:${secret}`, `4:${a.id}`]);
      await join(b, open1, []);
      b.client.send('1');
      const publicList = (await nextLine(b)).slice(2).split(',');
      assert.ok(publicList.includes(`${open1}-1`), publicList.join());
      assert.ok(!publicList.some((entry) => entry.startsWith(`${secret}-`)), publicList.join());
      b.client.send('1:pw1');
      const withPassword = (await nextLine(b)).slice(2).split(',');
      assert.ok(withPassword.includes(`${secret}-1`) && withPassword.includes(`${open1}-1`));
      b.client.send(`2:${secret}:pw2`);
      assert.match(await nextLine(b), /^9:wrong_room_password:/);
      b.client.send(`2:${secret}:pw1`);
      assert.deepEqual(await nextLines(b, 4), [
        `2:${b.id}:`,
        `2:${b.id}:${secret}`,
        `2:${a.id}:${secret}`,
        `4:${a.id}`,
      ]);
      assert.equal(await nextLine(a), `2:${b.id}:${secret}`);
      // The public room emptied when b left it, so it is gone from the list.
      b.client.send('1:pw1');
      const after = (await nextLine(b)).slice(2).split(',');
      assert.ok(
        after.includes(`${secret}-2`) && !after.some((entry) => entry.startsWith(`${open1}-`)),
      );
      await assertRoomsAsTold(fixture);
    });

    it('keeps rooms apart whose names hold pattern, hash-tag or other odd characters', async () => {
      const names = ['*', 'a*', '?', '[a]', '{a}', 'a}', '{', 'a', 'a b', 'é😀', 'x-1'];
      const pairs: [string, Player, Player][] = [];
      for (const name of names) {
        const [a, b] = (await players(2)) as [Player, Player];
        await join(a, name, []);
        await join(b, name, [a]);
        pairs.push([name, a, b]);
      }
      for (const [name, a] of pairs) a.client.send(`3:1:in ${name}`);
      for (const [name, a, b] of pairs) {
        for (const player of [a, b]) assert.equal(await nextLine(player), `3:${a.id}:in ${name}`);
      }
      const [, lister] = pairs[0] as [string, Player, Player];
      lister.client.send('1');
      const listed = (await nextLine(lister)).slice(2).split(',');
      for (const name of names)
        assert.ok(listed.includes(`${name}-2`), `${name}: ${listed.join()}`);
      const extra = await Promise.all(pairs.flatMap(([, a, b]) => [quiet(a), quiet(b)]));
      assert.deepEqual(extra.flat(), []);
      await assertRoomsAsTold(fixture);
    });

    it('forgets the password of a private room once it is destroyed: made again without one, it is public', async () => {
      const [a, b, c] = (await players(3)) as [Player, Player, Player];
      const room = newRoom();
      a.client.send(`2:${room}:pw1`);
      assert.deepEqual(await nextLines(a, 2), [`2:${a.id}:${room}`, `4:${a.id}`]);
      a.client.send('2:-1');
      assert.equal(await nextLine(a), `2:${a.id}:`);
      await join(b, room, []);
      await join(c, room, [b]);
      c.client.send('1');
      assert.ok((await nextLine(c)).slice(2).split(',').includes(`${room}-2`));
      await assertRoomsAsTold(fixture);
    });
  });
}
