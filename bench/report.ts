/** Turns merged worker counters and `/proc` readings into results, JSON lines and tables. */
import { Histogram, type LatencySummary } from './histogram.js';
import type { BenchOptions } from './options.js';
import type { MachineInfo } from './proc.js';
import type { SetupReport, WorkerStats, Workload } from './types.js';

/**
 * `cluster` is Roomwire on `--nodes` processes sharing one Redis (`--cluster`); `socketio` is
 * the bench's Socket.IO relay (`--socketio`); `against` is Roomwire built from another commit
 * (`--against <git-ref>`); `c-relay` is the bench's C relay (bench/c-relay.c).
 */
export const SERVER_KINDS = [
  'baseline',
  'baseline-cork',
  'c-relay',
  'roomwire',
  'cluster',
  'socketio',
  'against',
] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** What the orchestrator measured around one server run. */
export interface Measurements {
  readonly setups: readonly SetupReport[];
  readonly stats: readonly WorkerStats[];
  /** Seconds of the window in which CPU was measured (the load, or the connects for connect). */
  readonly cpuWindowS: number;
  /** Seconds in which the counted messages were sent. */
  readonly sendWindowS: number;
  readonly setupS: number;
  readonly serverCpuS: number;
  /** Cluster runs: the part of `serverCpuS` that the Redis processes spent. */
  readonly redisCpuS?: number | undefined;
  readonly generatorCpuS: number;
  /** CPU used by everything else on the machine in the window (other users, kernel threads). */
  readonly otherCpuS: number;
  /** Cores the generator may use: 1 when its workers are pinned together. */
  readonly generatorCores: number;
  readonly rssIdleKb: number;
  readonly rssLoadedKb: number;
  readonly peakRssKb: number;
}

export interface Results {
  readonly clients: number;
  readonly failedClients: number;
  readonly windowS: number;
  readonly sentMessages: number;
  readonly offeredPerS: number | null;
  readonly deliveredPerS: number | null;
  readonly expected: number;
  readonly delivered: number;
  /** Expected deliveries that never arrived (UDP losses, or anything a server dropped). */
  readonly lost: number;
  readonly deliveryRatio: number;
  readonly skippedSends: number;
  readonly latencyUs: LatencySummary;
  readonly errors: Record<string, number>;
  readonly server: {
    readonly cpuS: number;
    readonly cpuUtil: number;
    readonly cpuUsPerDelivery: number | null;
    /** Cluster runs: Redis's share of `cpuS` (every Redis process of the cluster on this machine). */
    readonly redisCpuS?: number;
    readonly redisCpuUsPerDelivery?: number | null;
    readonly rssIdleKb: number;
    readonly rssKb: number;
    readonly peakRssKb: number;
    readonly rssPerConnKb: number;
  };
  readonly generator: {
    readonly cpuS: number;
    readonly cpuUtil: number;
    readonly saturated: boolean;
  };
  /** Cores' worth of CPU other processes used during the window: high means noisy figures. */
  readonly otherCpuUtil: number;
  /** udp and vr: the deliveries sent over UDP, part of the totals above. */
  readonly udp?: {
    readonly expected: number;
    readonly delivered: number;
    readonly lost: number;
    readonly lossRatio: number;
  };
  readonly connect?: {
    readonly setupS: number;
    readonly joinLatencyUs: LatencySummary;
    readonly verifiedClients: number;
    readonly cpuUsPerClient: number;
  };
}

export interface RunLine {
  readonly kind: 'run';
  readonly server: ServerKind;
  readonly workload: Workload;
  readonly flags: Record<string, unknown>;
  readonly machine: MachineInfo & { readonly pinned: boolean };
  readonly results: Results;
}

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function addErrors(into: Record<string, number>, from: Record<string, number>): void {
  for (const [code, count] of Object.entries(from)) into[code] = (into[code] ?? 0) + count;
}

export function buildResults(workload: Workload, m: Measurements): Results {
  const sum = (pick: (stats: WorkerStats) => number): number =>
    m.stats.reduce((total, stats) => total + pick(stats), 0);
  const errors: Record<string, number> = {};
  for (const setup of m.setups) addErrors(errors, setup.errors);
  // Setup errors are included in the workers' final counts too: keep the larger of the two.
  const finalErrors: Record<string, number> = {};
  for (const stats of m.stats) addErrors(finalErrors, stats.errors);
  for (const [code, count] of Object.entries(finalErrors))
    errors[code] = Math.max(count, errors[code] ?? 0);
  const clients = m.setups.reduce((total, setup) => total + setup.joined, 0);
  const failed = m.setups.reduce((total, setup) => total + setup.failed, 0);
  const expected = sum((s) => s.expected);
  const delivered = sum((s) => s.received);
  const isConnect = workload === 'connect';
  const rssPerConnKb = clients === 0 ? 0 : (m.rssLoadedKb - m.rssIdleKb) / clients;
  const results: Results = {
    clients,
    failedClients: failed,
    windowS: round(m.sendWindowS, 3),
    sentMessages: sum((s) => s.sent),
    offeredPerS: isConnect ? null : Math.round(expected / m.sendWindowS),
    deliveredPerS: isConnect ? null : Math.round(delivered / m.sendWindowS),
    expected,
    delivered,
    lost: expected - delivered,
    deliveryRatio: expected === 0 ? 0 : round(delivered / expected, 6),
    skippedSends: sum((s) => s.skipped),
    latencyUs: Histogram.from(m.stats.map((s) => s.latency)).summary(),
    errors,
    server: {
      cpuS: round(m.serverCpuS),
      cpuUtil: round(m.serverCpuS / m.cpuWindowS, 3),
      cpuUsPerDelivery:
        isConnect || delivered === 0 ? null : round((m.serverCpuS * 1e6) / delivered, 3),
      ...(m.redisCpuS === undefined
        ? {}
        : {
            redisCpuS: round(m.redisCpuS),
            redisCpuUsPerDelivery:
              delivered === 0 ? null : round((m.redisCpuS * 1e6) / delivered, 3),
          }),
      rssIdleKb: m.rssIdleKb,
      rssKb: m.rssLoadedKb,
      peakRssKb: m.peakRssKb,
      rssPerConnKb: round(rssPerConnKb),
    },
    generator: {
      cpuS: round(m.generatorCpuS),
      cpuUtil: round(m.generatorCpuS / m.cpuWindowS, 3),
      saturated: m.generatorCpuS / m.cpuWindowS >= 0.9 * m.generatorCores,
    },
    otherCpuUtil: round(m.otherCpuS / m.cpuWindowS, 3),
  };
  if (workload === 'udp' || workload === 'vr') {
    const udpExpected = sum((s) => s.udpExpected);
    const udpDelivered = sum((s) => s.udpReceived);
    return {
      ...results,
      udp: {
        expected: udpExpected,
        delivered: udpDelivered,
        lost: udpExpected - udpDelivered,
        lossRatio: udpExpected === 0 ? 0 : round(1 - udpDelivered / udpExpected, 6),
      },
    };
  }
  if (!isConnect) return results;
  return {
    ...results,
    connect: {
      setupS: round(m.setupS, 3),
      joinLatencyUs: Histogram.from(m.setups.map((s) => s.joinLatency)).summary(),
      verifiedClients: sum((s) => s.verified),
      cpuUsPerClient: clients === 0 ? 0 : round((m.serverCpuS * 1e6) / clients, 1),
    },
  };
}

/** The flags that shape a workload, for the JSON line. */
export function workloadFlags(options: BenchOptions): Record<string, unknown> {
  const common = {
    ...(options.transport === 'ws' ? { transport: 'ws' } : {}),
    ...(options.servers.includes('socketio') ? { socketio: true } : {}),
    size: options.size,
    workers: options.workers,
    durationS: options.durationS,
    warmupS: options.warmupS,
    drainS: options.drainS,
  };
  switch (options.workload) {
    case 'chatter':
    case 'udp':
      return {
        rooms: options.rooms,
        clients: options.clients,
        hz: options.hz,
        pacing: options.pacing,
        ...common,
      };
    case 'vr':
      return {
        rooms: options.rooms,
        clients: options.clients,
        hz: options.hz,
        eventHz: options.eventHz,
        pacing: options.pacing,
        ...common,
      };
    case 'saturate':
      return { clients: options.clients, window: options.window, ...common };
    case 'connect':
      return {
        clients: options.clients,
        roomSize: options.roomSize,
        rate: options.rate,
        ...common,
      };
  }
}

type Row = readonly [string, (r: Results) => number | string | null | undefined, Better?];
type Better = 'lower' | 'higher';

const ROWS: readonly Row[] = [
  ['clients ready', (r) => r.clients],
  ['failed clients', (r) => r.failedClients],
  ['offered deliveries/s', (r) => r.offeredPerS],
  ['delivered/s', (r) => r.deliveredPerS, 'higher'],
  ['delivery ratio', (r) => r.deliveryRatio],
  ['lost deliveries', (r) => r.lost],
  ['UDP loss', (r) => (r.udp === undefined ? undefined : `${(r.udp.lossRatio * 100).toFixed(3)}%`)],
  ['latency p50 (us)', (r) => r.latencyUs.p50, 'lower'],
  ['latency p90 (us)', (r) => r.latencyUs.p90, 'lower'],
  ['latency p99 (us)', (r) => r.latencyUs.p99, 'lower'],
  ['latency p99.9 (us)', (r) => r.latencyUs.p999, 'lower'],
  ['latency max (us)', (r) => r.latencyUs.max, 'lower'],
  ['server CPU (s)', (r) => r.server.cpuS],
  ['server CPU use', (r) => `${Math.round(r.server.cpuUtil * 100)}%`],
  ['server CPU us/delivery', (r) => r.server.cpuUsPerDelivery, 'lower'],
  ['of which Redis us/delivery', (r) => r.server.redisCpuUsPerDelivery, 'lower'],
  ['server RSS (KiB)', (r) => r.server.rssKb],
  ['server peak RSS (KiB)', (r) => r.server.peakRssKb, 'lower'],
  ['server RSS/conn (KiB)', (r) => r.server.rssPerConnKb, 'lower'],
  ['generator CPU use', (r) => `${Math.round(r.generator.cpuUtil * 100)}%`],
  ['generator saturated', (r) => (r.generator.saturated ? 'YES' : 'no')],
  ['skipped sends', (r) => r.skippedSends],
  ['other processes CPU', (r) => `${Math.round(r.otherCpuUtil * 100)}%`],
  ['connect setup (s)', (r) => r.connect?.setupS],
  ['join latency p99 (us)', (r) => r.connect?.joinLatencyUs.p99, 'lower'],
  ['verified clients', (r) => r.connect?.verifiedClients],
  ['server CPU us/client', (r) => r.connect?.cpuUsPerClient, 'lower'],
  [
    'errors',
    (r) =>
      Object.entries(r.errors)
        .map(([c, n]) => `${c}=${n}`)
        .join(' ') || 'none',
  ],
];

function cell(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return '-';
  return typeof value === 'number' ? value.toLocaleString('en-US') : value;
}

/** Roomwire / baseline, for the rows where a ratio means something. */
export function ratio(ours: unknown, theirs: unknown): number | null {
  if (typeof ours !== 'number' || typeof theirs !== 'number' || theirs === 0) return null;
  return round(ours / theirs, 3);
}

/** A readable table of one or more runs (columns), with a ratio column for two. */
export function formatTable(runs: readonly RunLine[]): string {
  const header = ['', ...runs.map((run) => run.server)];
  const withRatio = runs.length === 2;
  if (withRatio) header.push('ratio');
  const rows: string[][] = [header];
  for (const [label, pick, better] of ROWS) {
    const values = runs.map((run) => pick(run.results));
    if (values.every((value) => value === undefined)) continue;
    const row = [label, ...values.map(cell)];
    if (withRatio) {
      const r = better === undefined ? null : ratio(values[1], values[0]);
      row.push(r === null ? '' : `${r}x`);
    }
    rows.push(row);
  }
  return layout(rows);
}

/** Rows of cells as aligned text: the first column to the left, the others to the right. */
export function layout(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: readonly string[]): string =>
    row
      .map((text, column) =>
        column === 0 ? text.padEnd(widths[0] ?? 0) : text.padStart(widths[column] ?? 0),
      )
      .join('  ');
  return rows.map(line).join('\n');
}

/** One pair's ratios, second server over first, as {@link comparison} makes them. */
export type PairRatios = Record<string, number | null>;

/** The ratios the project tracks (Roomwire / baseline), as the comparison JSON line holds them. */
export function comparison(baseline: Results, roomwire: Results): PairRatios {
  return {
    cpuUsPerDelivery: ratio(roomwire.server.cpuUsPerDelivery, baseline.server.cpuUsPerDelivery),
    latencyP50: ratio(roomwire.latencyUs.p50, baseline.latencyUs.p50),
    latencyP99: ratio(roomwire.latencyUs.p99, baseline.latencyUs.p99),
    deliveredPerS: ratio(roomwire.deliveredPerS, baseline.deliveredPerS),
    rssPerConnKb: ratio(roomwire.server.rssPerConnKb, baseline.server.rssPerConnKb),
    peakRssKb: ratio(roomwire.server.peakRssKb, baseline.server.peakRssKb),
    cpuUsPerClient: ratio(roomwire.connect?.cpuUsPerClient, baseline.connect?.cpuUsPerClient),
  };
}

/** The median of the numbers (the mean of the middle two for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] as number) + upper) / 2;
}

/** Each ratio's median over the pairs, skipping the pairs where it is null. */
export function medianRatios(pairs: readonly PairRatios[]): PairRatios {
  const keys = new Set(pairs.flatMap((pair) => Object.keys(pair)));
  const out: PairRatios = {};
  for (const key of keys) {
    const values = pairs.map((pair) => pair[key]).filter((v): v is number => typeof v === 'number');
    const m = median(values);
    out[key] = m === null ? null : round(m, 3);
  }
  return out;
}

const PAIR_ROWS: readonly (readonly [string, string])[] = [
  ['CPU per delivery', 'cpuUsPerDelivery'],
  ['CPU per client (connect)', 'cpuUsPerClient'],
  ['latency p50', 'latencyP50'],
  ['latency p99', 'latencyP99'],
  ['delivered/s', 'deliveredPerS'],
  ['RSS per connection', 'rssPerConnKb'],
  ['peak RSS', 'peakRssKb'],
];

/** The ratios of each pair (columns) and their medians, one row per tracked figure. */
export function formatPairTable(pairs: readonly PairRatios[], medians: PairRatios): string {
  const header = ['', ...pairs.map((_, index) => `pair ${index + 1}`), 'median'];
  const show = (value: number | null | undefined): string =>
    value === null || value === undefined ? '-' : `${value.toFixed(3)}x`;
  const rows = [header];
  for (const [label, key] of PAIR_ROWS) {
    if (medians[key] === null || medians[key] === undefined) continue;
    rows.push([label, ...pairs.map((pair) => show(pair[key])), show(medians[key])]);
  }
  return layout(rows);
}
