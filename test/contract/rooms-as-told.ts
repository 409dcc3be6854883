import assert from 'node:assert/strict';
import { eventually } from '../helpers/admin-http.js';
import { JoinOrderModel, viewOf } from '../helpers/join-order-model.js';
import type { WorldFixture } from './targets.js';

/**
 * Waits (5 s at most) until every node's rooms are those its clients were told: each node holds
 * a replica of exactly the rooms its own clients are in, every room the clients are in is held
 * somewhere, and each replica has the members in join order and the master of the reference
 * model built from the lines of the block's clients still connected.
 */
export async function assertRoomsAsTold(fixture: WorldFixture): Promise<void> {
  await eventually(() => {
    const live = fixture.opened.filter(({ client }) => !client.closed);
    const model = new JoinOrderModel(live.map(({ client }) => viewOf(client.lines)));
    const held = new Set<string>();
    for (const [index, node] of fixture.world().nodes.entries()) {
      const rooms = node.server.view.rooms();
      model.assertSnapshot(rooms, `node ${index}`);
      const names = rooms.map((room) => room.name);
      const ofItsClients = node.server.view.sessions().flatMap(({ room }) => room ?? []);
      assert.deepEqual(new Set(names), new Set(ofItsClients), `node ${index}: rooms it holds`);
      for (const name of names) held.add(name);
    }
    for (const name of model.rooms.keys()) assert.ok(held.has(name), `no node holds ${name}`);
  }, 5_000);
}
