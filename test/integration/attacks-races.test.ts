import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoomwireServer } from '../../src/server/roomwire-server.js';
import type { JoinOrderModel } from '../helpers/join-order-model.js';
import { LineClient } from '../helpers/line-client.js';
import { racesBesideControlGroup } from '../helpers/races.js';
import { assertRelayConsistent } from '../helpers/relay-invariants.js';
import { useServerPool } from '../helpers/test-server.js';

const RACERS = 30;
const ROUNDS = 6;
const ROOMS = ['r0', 'r1', 'r2', 'r3', 'control'];

/**
 * Nobody in the core but the clients still connected, the relay's own invariants, and each room's
 * members and master those the racers were told.
 */
function checkSnapshot(
  server: RoomwireServer,
  liveIds: ReadonlySet<number>,
  model: JoinOrderModel,
): void {
  const sessions = server.view.sessions();
  const inCore = new Set(sessions.map((session) => session.clientId));
  assert.deepEqual(inCore, liveIds, 'the core holds exactly the live clients');
  assertRelayConsistent(sessions, server.view.rooms(), model);
}

describe('attack: join/leave races with random kills', { timeout: 60_000 }, () => {
  const pool = useServerPool();

  it('keeps rooms, members and masters consistent after every round', async (t) => {
    // Kills here must end sessions at once (resume off): the resume tests cut connections too.
    const running = await pool.start({ resumeTtlMs: 0 });
    await racesBesideControlGroup(running, {
      racers: RACERS,
      rounds: ROUNDS,
      rooms: ROOMS,
      connect: async () => {
        const racer = await LineClient.login(running.port, 'racer');
        pool.track(racer.client);
        return racer;
      },
      check: (live, model) => checkSnapshot(running.server, live, model),
      report: (message) => t.diagnostic(message),
    });
  });
});
