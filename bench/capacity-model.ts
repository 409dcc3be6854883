/**
 * The capacity model of docs/scaling.md: unit costs fitted from measured rates, the CPU they
 * predict for a workload, and the rooms N nodes on S shards hold. Pure: bench/capacity.ts
 * measures, this computes.
 */
/** One run reduced to rates: per second of its window. */
export interface Rates {
  /** Messages in. */
  readonly m: number;
  /** Deliveries out. */
  readonly d: number;
  /** Node CPU, cores (Redis's excluded). */
  readonly node: number;
  /** Redis CPU, cores. */
  readonly redis: number;
  /** Publishes Redis ran (PUBLISH and SPUBLISH, from scripts too). */
  readonly p: number;
  /** Nodes each room is spread over. */
  readonly n: number;
}

/** The unit costs, in microseconds of one core. */
export interface UnitCosts {
  readonly cIn: number;
  readonly cOut: number;
  /** A cluster node's extra cost per message it sends: the publish. */
  readonly cFwd: number;
  /** Per message per node the room is spread over: read from Redis, decode, apply. */
  readonly cDec: number;
  readonly cPub: number;
  readonly cSub: number;
  /** Messages per publish (one node's messages to one room in one turn). */
  readonly b: number;
}

/** Least squares of y = a + k x; [a, k]. */
export function line(points: readonly (readonly [number, number])[]): [number, number] {
  const count = points.length;
  const mx = points.reduce((sum, [x]) => sum + x, 0) / count;
  const my = points.reduce((sum, [, y]) => sum + y, 0) / count;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
  }
  const k = sxx === 0 ? 0 : sxy / sxx;
  return [my - k * mx, k];
}

/**
 * The unit costs from two single-process runs (the same messages, different deliveries) and
 * cluster runs on one Redis over different `n`.
 */
export function fitUnitCosts(wide: Rates, narrow: Rates, clusters: readonly Rates[]): UnitCosts {
  const cOut = (wide.node - narrow.node) / (wide.d - narrow.d);
  const cIn = (wide.node - wide.d * cOut) / wide.m;
  const [cFwd, cDec] = line(
    clusters.map((run) => [run.n, (run.node - run.m * cIn - run.d * cOut) / run.m]),
  );
  const [cPub, cSub] = line(clusters.map((run) => [run.n, run.redis / run.p]));
  const b = clusters.reduce((sum, run) => sum + run.m / run.p, 0) / clusters.length;
  const us = (value: number): number => value * 1e6;
  return {
    cIn: us(cIn),
    cOut: us(cOut),
    cFwd: us(cFwd),
    cDec: us(cDec),
    cPub: us(cPub),
    cSub: us(cSub),
    b,
  };
}

/** Node and Redis CPU (cores) the model gives for `m` messages and `d` deliveries a second. */
export function predict(
  costs: UnitCosts,
  { m, d, n }: { m: number; d: number; n: number },
): { node: number; redis: number } {
  const node = (m * (costs.cIn + costs.cFwd + n * costs.cDec) + d * costs.cOut) / 1e6;
  const redis = ((m / costs.b) * (costs.cPub + n * costs.cSub)) / 1e6;
  return { node, redis };
}

/**
 * Rooms of `k` members at `hz` that `nodes` nodes and `shards` Redis shards hold at
 * `utilisation` of each one's core, each room spread over min(spread, nodes, k) nodes (all of
 * them unless `spread` says fewer); which side is full first.
 * One node without Redis is the single process: no publish, no decode.
 */
export function capacity(
  costs: UnitCosts,
  { nodes, shards, k, hz, utilisation, spread }: CapacityQuestion,
): { rooms: number; limit: 'nodes' | 'redis' } {
  const m = k * hz;
  const d = k * (k - 1) * hz;
  if (shards === 0) {
    const perRoom = (m * costs.cIn + d * costs.cOut) / 1e6;
    return { rooms: Math.floor((nodes * utilisation) / perRoom), limit: 'nodes' };
  }
  const { node, redis } = predict(costs, { m, d, n: Math.min(spread ?? nodes, nodes, k) });
  const byNodes = (nodes * utilisation) / node;
  const byRedis = (shards * utilisation) / redis;
  return {
    rooms: Math.floor(Math.min(byNodes, byRedis)),
    limit: byNodes <= byRedis ? 'nodes' : 'redis',
  };
}

export interface CapacityQuestion {
  readonly nodes: number;
  readonly shards: number;
  readonly k: number;
  readonly hz: number;
  readonly utilisation: number;
  /** The most nodes one room's members are on (a balancer that keeps rooms together). */
  readonly spread?: number;
}
