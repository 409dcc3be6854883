/**
 * Protocol section 5: the ordered messages of a room (modes 2 and 3) and the room's joins,
 * leaves and master changes reach every member in one and the same order, whichever node each
 * member is connected to.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertRoomsAsTold } from './rooms-as-told.js';
import { useWorld, type ContractTarget, type Player } from './targets.js';

/** Messages each member sends in the burst (the leaver only the first half). */
const PER_SENDER = 100;
const ROOM = 'ordered';

/** Message `n` of a sender: mode 3 (to all) for even `n`, mode 2 (to the others) for odd. */
const modeOf = (n: number): 2 | 3 => (n % 2 === 0 ? 3 : 2);
const payload = (n: number): string => `m${modeOf(n)}-${n}`;

/**
 * What `viewer`'s stream and `other`'s have in common: `stream` without `other`'s mode-2
 * messages, which `other` itself never receives.
 */
function sharedWith(stream: readonly string[], other: Player): string[] {
  return stream.filter((line) => !line.startsWith(`3:${other.id}:m2-`));
}

/** The messages of `sender` in `stream`, in the order they arrived. */
function messagesOf(stream: readonly string[], sender: Player): string[] {
  return stream.filter((line) => line.startsWith(`3:${sender.id}:m`));
}

export function orderingContract(target: ContractTarget): void {
  describe('ordering (section 5)', { timeout: 60_000 }, () => {
    const fixture = useWorld(target);
    const wait = target.lineTimeoutMs;

    /** Reads lines until `done` says the lines read so far are enough. */
    async function readUntil(
      player: Player,
      done: (lines: readonly string[]) => boolean,
    ): Promise<string[]> {
      const lines: string[] = [];
      while (!done(lines)) lines.push(await player.client.next(wait));
      return lines;
    }

    it('gives every member the same order of ordered messages, joins, leaves and master changes', async () => {
      // Three members joined one after another (so the first is master), on different nodes.
      // With two nodes, the leaver is the second node's only member, and the late joiner comes
      // to that node: it may have to start its replica of the room again, in mid-traffic.
      const members = [
        await fixture.login('leaver', 1),
        await fixture.login('first', 0),
        await fixture.login('second', 2),
      ];
      const [leaver, first, second] = members as [Player, Player, Player];
      for (const { client } of members) await client.joinRoom(ROOM);
      await Promise.all(members.map(({ client }, index) => client.nextLines(2 - index, wait)));
      const visitor = await fixture.login('visitor', 0);
      const late = await fixture.login('late', 1);

      // The burst, pipelined: the visitor comes and goes twice, the master leaves half way and a
      // late joiner arrives, while all three members send, alternating modes 3 and 2.
      for (let n = 0; n < PER_SENDER; n += 1) {
        if (n === 20 || n === 60) visitor.client.send(`2:${ROOM}`);
        if (n === 40 || n === 80) visitor.client.send('2:-1');
        if (n === 50) late.client.send(`2:${ROOM}`);
        for (const member of members) {
          if (member !== leaver || n < PER_SENDER / 2) {
            member.client.send(`3:${modeOf(n)}:${payload(n)}`);
          }
        }
        if (n === PER_SENDER / 2 - 1) leaver.client.send('2:-1');
      }
      const leaverStream = await readUntil(leaver, (lines) => lines.at(-1) === `2:${leaver.id}:`);
      const isOwnLeave = (line: string): boolean => line === `2:${visitor.id}:`;
      await readUntil(visitor, (lines) => lines.filter(isOwnLeave).length === 2);
      const lateJoin = await readUntil(late, (lines) => lines.at(-1)?.startsWith('4:') === true);
      // Everything above is ordered now: the two members still there send a last message.
      for (const member of [first, second]) member.client.send('3:3:end');
      const ends = (lines: readonly string[]): boolean =>
        lines.includes(`3:${first.id}:end`) && lines.includes(`3:${second.id}:end`);
      const [firstStream, secondStream, lateStream] = (await Promise.all(
        [first, second, late].map((player) => readUntil(player, ends)),
      )) as [string[], string[], string[]];
      for (const player of [leaver, first, second, visitor, late]) {
        assert.deepEqual(await player.client.quiet(target.quietMs), [], `${player.id} got more`);
      }

      // The two members present throughout saw one and the same order.
      assert.deepEqual(sharedWith(firstStream, second), sharedWith(secondStream, first));
      // The leaver saw the same order up to its own leave...
      const leftAt = firstStream.indexOf(`2:${leaver.id}:`);
      assert.deepEqual(
        sharedWith(leaverStream, first),
        sharedWith(firstStream.slice(0, leftAt + 1), leaver),
      );
      // ...where the member present longest became master, at once, for everyone.
      assert.equal(firstStream[leftAt + 1], `4:${first.id}`);
      // The late joiner saw the same order from its own join on.
      assert.equal(lateJoin[0], `2:${late.id}:${ROOM}`);
      const joinedAt = firstStream.indexOf(`2:${late.id}:${ROOM}`);
      assert.ok(joinedAt >= 0, `the late join is missing: ${JSON.stringify(firstStream)}`);
      assert.deepEqual(sharedWith(lateStream, first), firstStream.slice(joinedAt + 1));
      // The visitor's joins and leaves are where everyone saw them, in its own order.
      assert.deepEqual(
        firstStream.filter((line) => line.startsWith(`2:${visitor.id}:`)),
        [
          `2:${visitor.id}:${ROOM}`,
          `2:${visitor.id}:`,
          `2:${visitor.id}:${ROOM}`,
          `2:${visitor.id}:`,
        ],
      );
      // Nothing lost, and each sender's messages in its sending order.
      const sent = (count: number, own: boolean): string[] =>
        Array.from({ length: count }, (_, n) => n).flatMap((n) =>
          own && modeOf(n) === 2 ? [] : [payload(n)],
        );
      const expect = (sender: Player, count: number, own: boolean): string[] =>
        sent(count, own).map((text) => `3:${sender.id}:${text}`);
      assert.deepEqual(messagesOf(firstStream, leaver), expect(leaver, PER_SENDER / 2, false));
      assert.deepEqual(messagesOf(firstStream, first), expect(first, PER_SENDER, true));
      assert.deepEqual(messagesOf(firstStream, second), expect(second, PER_SENDER, false));
      assert.deepEqual(messagesOf(leaverStream, leaver), expect(leaver, PER_SENDER / 2, true));
      await assertRoomsAsTold(fixture);
    });

    it("applies one client's pipelined joins, leaves and messages in the order it sent them", async () => {
      const [watcher, mover] = (await fixture.players(2)) as [Player, Player];
      await watcher.client.joinRoom('pipelined');
      // One write: nothing waits for an answer before the next command.
      mover.client.write(
        ['2:pipelined', '3:1:first', '2:-1', '3:1:refused', '2:pipelined', '3:3:second', ''].join(
          '\n',
        ),
      );
      assert.deepEqual(await watcher.client.nextLines(5, wait), [
        `2:${mover.id}:pipelined`,
        `3:${mover.id}:first`,
        `2:${mover.id}:`,
        `2:${mover.id}:pipelined`,
        `3:${mover.id}:second`,
      ]);
      const joinSequence = [
        `2:${mover.id}:pipelined`,
        `2:${watcher.id}:pipelined`,
        `4:${watcher.id}`,
      ];
      const moverLines = await mover.client.nextLines(10, wait);
      assert.match(moverLines[5] ?? '', /^9:not_in_room:/);
      moverLines[5] = '9:not_in_room';
      assert.deepEqual(moverLines, [
        ...joinSequence,
        `3:${mover.id}:first`,
        `2:${mover.id}:`,
        '9:not_in_room',
        ...joinSequence,
        `3:${mover.id}:second`,
      ]);
      for (const player of [watcher, mover]) {
        assert.deepEqual(await player.client.quiet(target.quietMs), []);
      }
      await assertRoomsAsTold(fixture);
    });
  });
}
