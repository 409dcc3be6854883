/**
 * The pure part of `npm run bench -- curve`: which runs make each series, what one point
 * reports, and the clients-per-core figures read from the series. No processes here (see
 * curve.ts), so that the arithmetic is unit-tested.
 */
import type { Results } from './report.js';

export const SERIES = ['clients', 'connections', 'rooms', 'size', 'vr'] as const;
export type Series = (typeof SERIES)[number];

/** One point of a series: its x value and the bench arguments of its runs. */
export interface CurvePoint {
  readonly series: Series;
  /** Clients (clients, connections, vr), room size (rooms) or payload bytes (size). */
  readonly x: number;
  readonly args: readonly string[];
}

/** Deliveries a second every point of the room-size series offers. */
export const ROOM_SERIES_DELIVERIES = 90_000;
/** Clients in the room-size series (rounded to whole rooms). */
const ROOM_SERIES_CLIENTS = 500;

export const CLIENT_COUNTS = [100, 250, 500, 1000, 2000, 4000] as const;
/** The connections series: clients in rooms of 10 sharing one rate of deliveries. */
export const CONNECTION_COUNTS = [500, 1000, 2000, 4000] as const;
/**
 * Deliveries a second every point of the connections series offers: 500 clients at 10 Hz, half
 * the standard chatter, so that the server stays clear of a full core on a slow machine (a
 * saturated point is not comparable, see {@link comparable}).
 */
export const CONNECTION_SERIES_DELIVERIES = 45_000;
export const ROOM_SIZES = [2, 5, 10, 25, 50, 100, 250] as const;
export const MESSAGE_SIZES = [16, 64, 256, 1024, 4096, 16384] as const;
export const VR_CLIENTS = [64, 128, 256, 512, 1024, 2048] as const;

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/** The runs of one series, smallest first. */
export function seriesPoints(series: Series): CurvePoint[] {
  switch (series) {
    case 'clients':
      // Rooms of 10 at 20 Hz, 64-byte messages: the standard chatter, at growing counts.
      return CLIENT_COUNTS.map((clients) => ({
        series,
        x: clients,
        args: ['chatter', '--rooms', String(clients / 10), '--clients', '10', '--hz', '20'],
      }));
    case 'connections':
      // Rooms of 10, more clients each sending less often: the same 45,000 deliveries a second
      // (500 clients at 10 Hz, 4,000 at 1.25 Hz), so the generator's load stays about the same
      // and a one-core generator can drive the larger counts that the clients series cannot.
      return CONNECTION_COUNTS.map((clients) => ({
        series,
        x: clients,
        args: [
          'chatter',
          '--rooms',
          String(clients / 10),
          '--clients',
          '10',
          '--hz',
          String(round3(CONNECTION_SERIES_DELIVERIES / (clients * 9))),
        ],
      }));
    case 'rooms':
      // 500 clients in rooms of K, each at the rate that makes 90,000 deliveries a second.
      return ROOM_SIZES.map((size) => {
        const rooms = Math.max(1, Math.round(ROOM_SERIES_CLIENTS / size));
        const hz = round3(ROOM_SERIES_DELIVERIES / (rooms * size * (size - 1)));
        return {
          series,
          x: size,
          args: [
            'chatter',
            '--rooms',
            String(rooms),
            '--clients',
            String(size),
            '--hz',
            String(hz),
          ],
        };
      });
    case 'size':
      // The standard chatter (50 rooms of 10 at 20 Hz) with growing messages.
      return MESSAGE_SIZES.map((size) => ({
        series,
        x: size,
        args: ['chatter', '--rooms', '50', '--clients', '10', '--hz', '20', '--size', String(size)],
      }));
    case 'vr':
      return VR_CLIENTS.map((clients) => ({
        series,
        x: clients,
        args: ['vr', '--rooms', String(clients / 8), '--clients', '8'],
      }));
  }
}

/**
 * Whether each point of a series asks more of the generator than the one before: then, once the
 * generator is the limit, the larger points are not worth running. The connections and rooms
 * series keep the deliveries a second fixed (the rooms series even sends fewer messages as rooms
 * grow), so a point the generator could not drive says nothing of the next.
 */
export function generatorLoadGrows(series: Series): boolean {
  return series === 'clients' || series === 'size' || series === 'vr';
}

/** What one server's run at one point reports in the curve. */
export interface PointFigures {
  readonly clients: number;
  readonly deliveredPerS: number | null;
  readonly deliveryRatio: number;
  readonly udpLoss: number | null;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly cpuUtil: number;
  readonly cpuUsPerDelivery: number | null;
  /** Server CPU microseconds per client per second of load. */
  readonly cpuUsPerClientS: number;
  readonly rssPerClientKb: number;
  readonly generatorCpuUtil: number;
  readonly skippedSends: number;
  readonly otherCpuUtil: number;
  /** The generator's core was saturated: it, not the server, may have been the limit. */
  readonly generatorLimited: boolean;
  /**
   * The generator skipped more than 1% of its sends (it fell 100 ms behind its schedule)
   * without being saturated: the machine starved it (other processes' load).
   */
  readonly starved: boolean;
}

/** A point is used for a server figure only when the generator kept its schedule. */
export function usable(f: PointFigures): boolean {
  return !f.generatorLimited && !f.starved;
}

/** Server CPU use from which a point counts as saturated (see {@link comparable}). */
export const SATURATED_CPU = 0.9;

/**
 * A point whose cost per delivery may be set beside another point's: usable, and the server
 * below {@link SATURATED_CPU} of a core. A saturated server's turns grow, each write carries more
 * lines, and its cost per delivery falls (Roomwire at 1,000 chatter clients, 98% of a core: 5.45
 * us, against 9.82 us at 500 and 88%): comparing it with a lighter point says nothing of how the
 * cost grows.
 */
export function comparable(f: PointFigures): boolean {
  return usable(f) && f.cpuUtil < SATURATED_CPU;
}

/** One server's run at one point, as the curve reports it. */
export function pointFigures(r: Results): PointFigures {
  const skippedShare = r.skippedSends / Math.max(1, r.sentMessages + r.skippedSends);
  return {
    clients: r.clients,
    deliveredPerS: r.deliveredPerS,
    deliveryRatio: r.deliveryRatio,
    udpLoss: r.udp?.lossRatio ?? null,
    p50Us: r.latencyUs.p50,
    p99Us: r.latencyUs.p99,
    p999Us: r.latencyUs.p999,
    cpuUtil: r.server.cpuUtil,
    cpuUsPerDelivery: r.server.cpuUsPerDelivery,
    cpuUsPerClientS: r.clients === 0 ? 0 : round3((r.server.cpuUtil * 1e6) / r.clients),
    rssPerClientKb: r.server.rssPerConnKb,
    generatorCpuUtil: r.generator.cpuUtil,
    skippedSends: r.skippedSends,
    otherCpuUtil: r.otherCpuUtil,
    generatorLimited: r.generator.saturated,
    starved: !r.generator.saturated && skippedShare > 0.01,
  };
}

/** The conditions of a clients-per-core figure. */
export interface CoreBudget {
  /** Share of one core the server may use. */
  readonly maxCpuUtil: number;
  readonly maxP99Us: number;
  /** Smallest delivery ratio (TCP) accepted at a point. */
  readonly minDeliveryRatio: number;
}

export const CHATTER_BUDGET: CoreBudget = {
  maxCpuUtil: 0.7,
  maxP99Us: 20_000,
  minDeliveryRatio: 0.99,
};
export const VR_BUDGET: CoreBudget = { maxCpuUtil: 0.7, maxP99Us: 30_000, minDeliveryRatio: 0.95 };

export interface ClientsPerCore {
  readonly clients: number | null;
  /**
   * measured: a point met the whole budget; extrapolated: from the CPU per client-second of the
   * last point that met it; cpu-only: no point met the latency budget (a starved machine), so
   * the figure is the core budget over the CPU per client-second of the largest point at which
   * the server still delivered (nearly) everything, ignoring latency and schedule.
   */
  readonly method: 'measured' | 'extrapolated' | 'cpu-only' | 'none';
  /** The point the figure stands on (the last measured point that met the budget). */
  readonly fromX: number | null;
  readonly cpuUsPerClientS: number | null;
  readonly note: string;
}

function meets(f: PointFigures, budget: CoreBudget): boolean {
  return (
    f.cpuUtil < budget.maxCpuUtil &&
    f.p99Us < budget.maxP99Us &&
    f.deliveryRatio >= budget.minDeliveryRatio
  );
}

/**
 * The largest client count at which one server core stays under the budget: measured where
 * the generator allows, extrapolated beyond the last point that met it from its CPU per
 * client-second (maxCpuUtil / that cost) when no larger measured point failed the budget.
 */
export function clientsPerCore(
  points: readonly { readonly x: number; readonly figures: PointFigures }[],
  budget: CoreBudget,
): ClientsPerCore {
  const valid = [...points].filter((p) => usable(p.figures)).sort((a, b) => a.x - b.x);
  const limited = points.length - valid.length;
  const suffix = limited > 0 ? `; ${limited} point(s) generator-limited or starved, not used` : '';
  const firstFail = valid.find((p) => !meets(p.figures, budget));
  const passing = valid.filter((p) => firstFail === undefined || p.x < firstFail.x);
  const last = passing[passing.length - 1];
  if (last === undefined) {
    const delivering = [...points]
      .filter(
        (p) =>
          !p.figures.generatorLimited &&
          p.figures.deliveryRatio >= budget.minDeliveryRatio &&
          p.figures.cpuUsPerClientS > 0,
      )
      .sort((a, b) => b.x - a.x)[0];
    if (delivering !== undefined) {
      const cost = delivering.figures.cpuUsPerClientS;
      return {
        clients: Math.floor((budget.maxCpuUtil * 1e6) / cost),
        method: 'cpu-only',
        fromX: delivering.x,
        cpuUsPerClientS: cost,
        note: `no point met the latency budget; ${Math.round(budget.maxCpuUtil * 100)}% of a core / ${cost} us per client-second at ${delivering.x} clients, latency ignored${suffix}`,
      };
    }
    const why =
      firstFail === undefined
        ? 'no point the generator could drive on schedule'
        : `the smallest point (${firstFail.x}) already missed it: ${describe(firstFail.figures)}`;
    return {
      clients: null,
      method: 'none',
      fromX: null,
      cpuUsPerClientS: null,
      note: why + suffix,
    };
  }
  const cost = last.figures.cpuUsPerClientS;
  if (firstFail !== undefined || cost <= 0) {
    return {
      clients: last.x,
      method: 'measured',
      fromX: last.x,
      cpuUsPerClientS: cost,
      note:
        (firstFail === undefined
          ? 'the largest point'
          : `the next point (${firstFail.x}) missed it: ${describe(firstFail.figures)}`) + suffix,
    };
  }
  const extrapolated = Math.floor((budget.maxCpuUtil * 1e6) / cost);
  if (extrapolated <= last.x) {
    return {
      clients: last.x,
      method: 'measured',
      fromX: last.x,
      cpuUsPerClientS: cost,
      note: 'the largest point' + suffix,
    };
  }
  return {
    clients: extrapolated,
    method: 'extrapolated',
    fromX: last.x,
    cpuUsPerClientS: cost,
    note: `${Math.round(budget.maxCpuUtil * 100)}% of a core / ${cost} us per client-second at ${last.x} clients${suffix}`,
  };
}

function describe(f: PointFigures): string {
  return `CPU ${Math.round(f.cpuUtil * 100)}%, p99 ${(f.p99Us / 1000).toFixed(1)} ms, delivered ${f.deliveryRatio}`;
}
