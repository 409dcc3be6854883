import assert from 'node:assert/strict';
import { eventually } from './admin-http.js';
import { besideControlGroup, type Endpoint } from './control-group.js';
import type { LineClient } from './line-client.js';
import { seededRandom } from './seeded-random.js';

/** A logged-in racer. */
export interface Racer {
  readonly client: LineClient;
  readonly id: number;
}

/** Options of {@link runRaces}. */
export interface RaceOptions {
  readonly racers: number;
  readonly rounds: number;
  readonly rooms: readonly string[];
  /** Connects and logs in racer number `index` (counting every racer ever connected). */
  connect(index: number): Promise<Racer>;
  /** Throws unless the servers' state is consistent with exactly these live client ids. */
  check(live: ReadonlySet<number>): Promise<void> | void;
  /** Told the run's seed first (a test's `t.diagnostic`), so that a failure can be replayed. */
  report(message: string): void;
}

/**
 * Rounds of join/leave/switch races beside a control group (on `server`, or spread over several),
 * from a seeded generator whose seed (time-based) is reported and named in every failure. Each round tops the racers up, sends a pipelined burst of
 * joins, switches, leaves, room messages and group messages from random racers, kills about 30%
 * of them abruptly (a reset or a plain close) in the middle of it, and then waits (5 s at most)
 * for `check` to pass with the survivors and the control group. At the end every racer leaves and
 * `check` must pass with the control group alone.
 */
export async function racesBesideControlGroup(
  server: Endpoint | readonly Endpoint[],
  options: RaceOptions,
): Promise<void> {
  const seed = Date.now() % 1_000_000;
  options.report(`seed ${seed}`);
  await besideControlGroup(server, async (group) => {
    const control = new Set(group.members.map((member) => member.id));
    await runRaces(options, seed, control);
  });
}

async function runRaces(
  options: RaceOptions,
  seed: number,
  bystanders: ReadonlySet<number>,
): Promise<void> {
  const next = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  let racers: Racer[] = [];
  let connected = 0;
  const settle = (live: ReadonlySet<number>, when: string): Promise<void> =>
    eventually(() => options.check(live), 5000).catch((error: Error) =>
      assert.fail(`${when}, seed ${seed}: ${error.message}`),
    );
  for (let round = 0; round < options.rounds; round += 1) {
    while (racers.length < options.racers) racers.push(await options.connect(connected++));
    // A burst of joins, switches, leaves and messages, pipelined without waiting...
    for (let step = 0; step < options.racers * 4; step += 1) {
      const { client } = pick(racers);
      const roll = next();
      if (roll < 0.5) client.send(`2:${pick(options.rooms)}`);
      else if (roll < 0.7) client.send('2:-1');
      else if (roll < 0.9) client.send(`3:1:race ${round}`);
      else client.send(`5:g:${racers.map((racer) => racer.id).join(':')}`);
    }
    // ...and some racers die in the middle of it, abruptly (a reset or a plain close).
    const killed = racers.filter(() => next() < 0.3);
    await new Promise((resolve) => setTimeout(resolve, Math.floor(next() * 20)));
    for (const { client } of killed) {
      if (next() < 0.5) client.socket.resetAndDestroy();
      else client.close();
    }
    racers = racers.filter((racer) => !killed.includes(racer));
    await settle(new Set([...bystanders, ...racers.map((racer) => racer.id)]), `round ${round}`);
  }
  for (const { client } of racers) client.close();
  await settle(bystanders, 'after the last round');
}
