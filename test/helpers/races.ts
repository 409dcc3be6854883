import assert from 'node:assert/strict';
import { eventually } from './admin-http.js';
import { besideControlGroup, type Endpoint } from './control-group.js';
import { JoinOrderModel, viewOf } from './join-order-model.js';
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
  /**
   * Throws unless the servers' state is consistent with exactly these live client ids, and its
   * rooms with the reference model built from what the live racers received (the control
   * group's room known in its members' join order).
   */
  check(live: ReadonlySet<number>, model: JoinOrderModel): Promise<void> | void;
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
    const known = new Map<string, number[]>();
    // The members joined one after another, each once the previous one's join was answered.
    for (const { room, id } of group.members) {
      if (room !== undefined) known.set(room, [...(known.get(room) ?? []), id]);
    }
    await runRaces(options, seed, known);
  });
}

async function runRaces(
  options: RaceOptions,
  seed: number,
  known: ReadonlyMap<string, readonly number[]>,
): Promise<void> {
  const bystanders = [...known.values()].flat();
  const next = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  let racers: Racer[] = [];
  let connected = 0;
  // The model is built again at each try: the racers' lines may still be on their way.
  const model = (): JoinOrderModel =>
    new JoinOrderModel(
      racers.map(({ client }) => viewOf(client.lines)),
      known,
    );
  const settle = (live: ReadonlySet<number>, when: string): Promise<void> =>
    eventually(() => options.check(live, model()), 5000).catch((error: Error) =>
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
  racers = [];
  await settle(new Set(bystanders), 'after the last round');
}
