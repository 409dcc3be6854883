import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoomwireServer } from '../../src/server/roomwire-server.js';
import { eventually } from '../helpers/admin-http.js';
import { besideControlGroup, type ControlGroup } from '../helpers/control-group.js';
import { LineClient } from '../helpers/line-client.js';
import { assertRelayConsistent } from '../helpers/relay-invariants.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { useServerPool } from '../helpers/test-server.js';

const RACERS = 30;
const ROUNDS = 6;
const ROOMS = ['r0', 'r1', 'r2', 'r3', 'control'];

/** Nobody in the core but the clients still connected, and the relay's own invariants. */
function checkSnapshot(server: RoomwireServer, liveIds: ReadonlySet<number>): void {
  const sessions = server.relay.sessions();
  const inCore = new Set(sessions.map((session) => session.clientId));
  assert.deepEqual(inCore, liveIds, 'the core holds exactly the live clients');
  assertRelayConsistent(sessions, server.relay.rooms());
}

describe('attack: join/leave races with random kills', { timeout: 60_000 }, () => {
  const pool = useServerPool();

  it('keeps rooms, members and masters consistent after every round', async () => {
    const running = await pool.start();
    const seed = Date.now() % 1_000_000;
    const next = seededRandom(seed);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
    let racers: { client: LineClient; id: number }[] = [];
    const connect = async (): Promise<void> => {
      const racer = await LineClient.login(running.port, 'racer');
      pool.track(racer.client);
      racers.push(racer);
    };
    await besideControlGroup(running, async (group: ControlGroup) => {
      const control = new Set(group.members.map((member) => member.id));
      for (let round = 0; round < ROUNDS; round += 1) {
        while (racers.length < RACERS) await connect();
        // A burst of joins, switches, leaves and messages, pipelined without waiting...
        for (let step = 0; step < RACERS * 4; step += 1) {
          const { client } = pick(racers);
          const roll = next();
          if (roll < 0.5) client.send(`2:${pick(ROOMS)}`);
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
        const live = new Set([...control, ...racers.map((racer) => racer.id)]);
        await eventually(() => checkSnapshot(running.server, live), 5000).catch((error: Error) =>
          assert.fail(`round ${round}, seed ${seed}: ${error.message}`),
        );
      }
      for (const { client } of racers) client.close();
      await eventually(() => checkSnapshot(running.server, control));
    });
  });
});
