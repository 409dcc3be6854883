import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capacity, fitUnitCosts, line, predict, type Rates } from '../../bench/capacity-model.js';

/** Rates a server with these unit costs (us) would show for `m` messages and `d` deliveries. */
function synthetic(m: number, d: number, n: number, cluster: boolean): Rates {
  const [cIn, cOut, cFwd, cDec, cPub, cSub, b] = [6, 3, 10, 4, 2, 1.5, 1.25];
  const node = cluster
    ? (m * (cIn + cFwd + n * cDec) + d * cOut) / 1e6
    : (m * cIn + d * cOut) / 1e6;
  const p = cluster ? m / b : 0;
  return { m, d, node, redis: (p * (cPub + n * cSub)) / 1e6, p, n };
}

describe('the capacity model (bench/capacity-model.ts)', () => {
  it('recovers the unit costs that made the rates, and predicts a run it was not fitted on', () => {
    const wide = synthetic(4000, 36_000, 1, false);
    const narrow = synthetic(4000, 4000, 1, false);
    const clusters = [1, 2, 3].map((n) => synthetic(4000, 36_000, n, true));
    const costs = fitUnitCosts(wide, narrow, clusters);
    const expected = { cIn: 6, cOut: 3, cFwd: 10, cDec: 4, cPub: 2, cSub: 1.5, b: 1.25 };
    for (const [key, value] of Object.entries(expected)) {
      assert.ok(Math.abs(costs[key as keyof typeof costs] - value) < 1e-9, key);
    }
    const check = synthetic(10_000, 90_000, 2, true);
    const { node, redis } = predict(costs, check);
    assert.ok(Math.abs(node - check.node) < 1e-12 && Math.abs(redis - check.redis) < 1e-12);
  });

  it('fits a straight line by least squares', () => {
    assert.deepEqual(
      line([
        [1, 3],
        [2, 5],
        [3, 7],
      ]),
      [1, 2],
    );
    const [a, k] = line([
      [1, 1],
      [2, 3],
      [3, 2],
    ]);
    assert.ok(Math.abs(a - 1) < 1e-12 && Math.abs(k - 0.5) < 1e-12);
  });

  it('says which side fills first: the nodes, or a Redis that every message crosses', () => {
    const costs = { cIn: 6, cOut: 3, cFwd: 10, cDec: 4, cPub: 2, cSub: 1.5, b: 1 };
    const question = { k: 10, hz: 20, utilisation: 0.7 };
    // One process: 200 messages and 1,800 deliveries a second per room cost 6,600 us a second.
    assert.deepEqual(capacity(costs, { ...question, nodes: 1, shards: 0 }), {
      rooms: Math.floor(0.7 / 0.0066),
      limit: 'nodes',
    });
    // Two nodes: 200 (6 + 10 + 8) + 1,800 x 3 = 10,200 us per room on the nodes, 200 x 5 = 1,000
    // on Redis: the nodes fill first, at 2 x 0.7 / 0.0102 rooms.
    assert.deepEqual(capacity(costs, { ...question, nodes: 2, shards: 1 }), {
      rooms: Math.floor(1.4 / 0.0102),
      limit: 'nodes',
    });
    // Eight nodes on one shard: each room spread over 8 nodes costs Redis 200 x 14 us a second.
    const eight = capacity(costs, { ...question, nodes: 8, shards: 1 });
    assert.equal(eight.limit, 'redis');
    assert.equal(eight.rooms, Math.floor(0.7 / 0.0028));
  });
});
