/**
 * `npm run bench -- curve [flags]`: runs each series of curve-plan.ts point by point, each
 * point against the corked baseline relay, Roomwire and (clients and vr series) the C relay,
 * alternating their order from point to point. Prints one `curve-point` JSON line per point
 * (every server's figures and the ratios to the baselines), a table per series, and one
 * `curve-summary` line with the clients-per-core figures and the targets.
 */
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildCRelay } from './c-relay.js';
import {
  CHATTER_BUDGET,
  clientsPerCore,
  comparable,
  generatorLoadGrows,
  pointFigures,
  SERIES,
  seriesPoints,
  VR_BUDGET,
  type ClientsPerCore,
  type PointFigures,
  type Series,
} from './curve-plan.js';
import { parseOptions, UsageError } from './options.js';
import { log } from './processes.js';
import { canPin, machineInfo } from './proc.js';
import { layout, ratio, type ServerKind } from './report.js';
import { enoughOpenFiles, runOnce } from './run-once.js';

export const CURVE_USAGE = `Usage: npm run bench -- curve [flags]

Runs workloads at a series of sizes, each point against the corked baseline relay, Roomwire
and, for the clients and vr series, the C relay (bench/c-relay.c, when cc is there), in an
order that alternates from point to point. Prints one JSON line per point and a table.

Series (--series, comma-separated) [clients,connections,rooms,size,vr]:
  clients  chatter, rooms of 10 at 20 Hz: 100, 250, 500, 1000, 2000, 4000 clients
  connections
           chatter, rooms of 10 at 45,000 deliveries/s: 500 (10 Hz) to 4000 clients (1.25 Hz)
  rooms    chatter, 500 clients in rooms of 2, 5, 10, 25, 50, 100, 250 at 90,000 deliveries/s
  size     chatter, 50 rooms of 10 at 20 Hz: messages of 16 B to 16 KiB
  vr       vr, rooms of 8 (UDP poses at 72 Hz, TCP events at 2 Hz): 64 to 2048 clients

Flags:
  --quick            short runs (1.5 s measured, 0.5 s warm-up), to try it: about 6 minutes
  --duration S       measured seconds per run [3]
  --warmup S         seconds of load before measuring [1]
  --drain S          seconds for late deliveries [0.5]
  --no-c-relay       do not run the C relay
  --pacing P         phase or tick, as for the workloads [phase]
  --out FILE         also append the JSON lines to FILE (for bench/chart.ts)
  --no-pin           do not pin processes to cores
  -h, --help         show this help

A point where the generator's core was saturated is marked GEN, one where it fell behind its
schedule without being saturated (more than 1% of its sends skipped: the machine starved it)
LATE; neither is used for a server figure, and a target is not judged from them nor from a
point where the server ran at 90% of a core or more (its cost per delivery falls there). Once the corked baseline and Roomwire are both
GEN, the larger points of the clients, size and vr series are skipped (each asks more of the
generator than the last; connections and rooms do not). other CPU is what the rest of the
machine used meanwhile: high means a noisy point.
`;

export interface CurveOptions {
  readonly series: readonly Series[];
  readonly durationS: number;
  readonly warmupS: number;
  readonly drainS: number;
  readonly cRelay: boolean;
  readonly pacing: string;
  readonly out: string | undefined;
  readonly pin: boolean;
}

export function parseCurveOptions(argv: string[]): CurveOptions | undefined {
  const text = { type: 'string' } as const;
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      series: text,
      quick: { type: 'boolean' },
      duration: text,
      warmup: text,
      drain: text,
      'no-c-relay': { type: 'boolean' },
      pacing: text,
      out: text,
      'no-pin': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return undefined;
  if (positionals.length > 0) throw new UsageError(`curve takes no workload: ${positionals[0]}`);
  const series = (values.series ?? SERIES.join(',')).split(',').map((name) => name.trim());
  for (const name of series) {
    if (!SERIES.includes(name as Series)) {
      throw new UsageError(`--series: ${name} is not one of ${SERIES.join(', ')}`);
    }
  }
  const quick = values.quick === true;
  const seconds = (name: 'duration' | 'warmup' | 'drain', fallback: number): number => {
    const raw = values[name];
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(value) || value < 0 || value > 600) {
      throw new UsageError(`--${name} must be a number of seconds, got ${String(raw)}`);
    }
    return value;
  };
  const pacing = values.pacing ?? 'phase';
  if (pacing !== 'phase' && pacing !== 'tick')
    throw new UsageError('--pacing must be phase or tick');
  return {
    series: series as Series[],
    durationS: Math.max(0.5, seconds('duration', quick ? 1.5 : 3)),
    warmupS: seconds('warmup', quick ? 0.5 : 1),
    drainS: Math.max(0.1, seconds('drain', 0.5)),
    cRelay: values['no-c-relay'] !== true,
    pacing,
    out: values.out,
    pin: values['no-pin'] !== true,
  };
}

type Figures = Partial<Record<ServerKind, PointFigures>>;

export interface PointLine {
  readonly kind: 'curve-point';
  readonly series: Series;
  readonly x: number;
  readonly args: readonly string[];
  readonly servers: Figures;
  /** Roomwire over each baseline: CPU per delivery, p99, delivered/s. */
  readonly ratios: Record<string, Record<string, number | null>>;
  readonly generatorLimited: boolean;
}

function ratiosOf(servers: Figures): PointLine['ratios'] {
  const ours = servers.roomwire;
  const out: PointLine['ratios'] = {};
  if (ours === undefined) return out;
  for (const kind of ['baseline-cork', 'c-relay'] as const) {
    const theirs = servers[kind];
    if (theirs === undefined) continue;
    out[kind] = {
      cpuUsPerDelivery: ratio(ours.cpuUsPerDelivery, theirs.cpuUsPerDelivery),
      cpuUsPerClientS: ratio(ours.cpuUsPerClientS, theirs.cpuUsPerClientS),
      p99: ratio(ours.p99Us, theirs.p99Us),
      deliveredPerS: ratio(ours.deliveredPerS, theirs.deliveredPerS),
    };
  }
  return out;
}

const SERIES_LABEL: Record<Series, string> = {
  clients: 'clients',
  connections: 'clients',
  rooms: 'room size',
  size: 'bytes',
  vr: 'clients',
};

function table(lines: readonly PointLine[]): string {
  const header = [
    SERIES_LABEL[lines[0]?.series ?? 'clients'],
    'server',
    'delivered',
    'UDP loss',
    'p50 ms',
    'p99 ms',
    'p99.9 ms',
    'CPU',
    'us/deliv.',
    'us/client-s',
    'KiB/client',
    'gen CPU',
    'other CPU',
    'CPU/deliv. vs cork',
    'vs C',
  ];
  const rows: string[][] = [header];
  const ms = (us: number): string => (us / 1000).toFixed(1);
  for (const line of lines) {
    for (const [kind, f] of Object.entries(line.servers) as [ServerKind, PointFigures][]) {
      const r = kind === 'roomwire' ? line.ratios : {};
      const x = (value: number | null | undefined): string =>
        value === null || value === undefined ? '' : `${value.toFixed(2)}x`;
      rows.push([
        String(line.x),
        kind + (f.generatorLimited ? ' GEN' : f.starved ? ' LATE' : ''),
        f.deliveryRatio.toFixed(4),
        f.udpLoss === null ? '' : `${(f.udpLoss * 100).toFixed(2)}%`,
        ms(f.p50Us),
        ms(f.p99Us),
        ms(f.p999Us),
        `${Math.round(f.cpuUtil * 100)}%`,
        f.cpuUsPerDelivery === null ? '-' : f.cpuUsPerDelivery.toFixed(2),
        f.cpuUsPerClientS.toFixed(0),
        f.rssPerClientKb.toFixed(1),
        `${Math.round(f.generatorCpuUtil * 100)}%`,
        `${Math.round(f.otherCpuUtil * 100)}%`,
        x(r['baseline-cork']?.cpuUsPerDelivery),
        x(r['c-relay']?.cpuUsPerDelivery),
      ]);
    }
  }
  return layout(rows);
}

/** The targets that the curve can judge, from the Roomwire/baseline ratios. */
export function targets(lines: readonly PointLine[]): Record<string, string> {
  const at = (series: Series, x: number): PointLine | undefined =>
    lines.find((line) => line.series === series && line.x === x);
  const cost = (line: PointLine | undefined): number | null | undefined =>
    line?.servers.roomwire?.cpuUsPerDelivery;
  const out: Record<string, string> = {};
  // A point whose generator was saturated or starved says nothing of the server, and one whose
  // server was saturated is not comparable with another (curve-plan.ts): not judged.
  const judge = (
    name: string,
    points: readonly (PointLine | undefined)[],
    value: number | null,
    limit: number,
    servers: readonly ServerKind[] = ['roomwire'],
  ): void => {
    if (value === null) return;
    const unusable = points.filter((point) =>
      servers.some((kind) => {
        const figures = point?.servers[kind];
        return figures !== undefined && !comparable(figures);
      }),
    );
    const text = `${value.toFixed(2)}x (target at most ${limit}x)`;
    const why = unusable.map((point) => `${point?.x} is GEN, LATE or saturated`).join(', ');
    out[name] =
      unusable.length > 0
        ? `${text}: not judged (${why})`
        : `${text}: ${value <= limit ? 'met' : 'missed'}`;
  };
  const [c500, c2000] = [at('clients', 500), at('clients', 2000)];
  judge(
    'CPU per delivery, 2000 clients / 500 clients',
    [c500, c2000],
    ratio(cost(c2000), cost(c500)),
    1.1,
  );
  // The same question where a one-core generator can ask it: the deliveries a second fixed.
  const [n500, n2000] = [at('connections', 500), at('connections', 2000)];
  judge(
    'CPU per delivery, 2000 clients / 500 clients at 45,000 deliveries/s',
    [n500, n2000],
    ratio(cost(n2000), cost(n500)),
    1.1,
  );
  const [r10, r250] = [at('rooms', 10), at('rooms', 250)];
  judge(
    'CPU per delivery, rooms of 250 / rooms of 10',
    [r10, r250],
    ratio(cost(r250), cost(r10)),
    1.0,
  );
  judge(
    'CPU per delivery, 500 clients in rooms of 10 / corked baseline',
    [c500],
    c500?.ratios['baseline-cork']?.cpuUsPerDelivery ?? null,
    1.0,
    ['roomwire', 'baseline-cork'],
  );
  return out;
}

function emit(line: object, out: string | undefined): void {
  const text = `${JSON.stringify(line)}\n`;
  process.stdout.write(text);
  if (out !== undefined) appendFileSync(out, text);
}

export async function runCurve(argv: string[]): Promise<number> {
  const curve = parseCurveOptions(argv);
  if (curve === undefined) {
    process.stdout.write(CURVE_USAGE);
    return 0;
  }
  const pin = curve.pin && canPin();
  const cRelay = curve.cRelay && buildCRelay(log) !== undefined;
  const machine = { ...machineInfo(), pinned: pin };
  const lines: PointLine[] = [];
  let order = 0;
  for (const series of curve.series) {
    const withC = cRelay && (series === 'clients' || series === 'vr');
    const kinds: ServerKind[] = [
      'baseline-cork',
      'roomwire',
      ...(withC ? (['c-relay'] as const) : []),
    ];
    const done: PointLine[] = [];
    for (const point of seriesPoints(series)) {
      const options = parseOptions([
        ...point.args,
        '--duration',
        String(curve.durationS),
        '--warmup',
        String(curve.warmupS),
        '--drain',
        String(curve.drainS),
        '--pacing',
        curve.pacing,
        ...(curve.pin ? [] : ['--no-pin']),
      ]);
      if (options === undefined || !enoughOpenFiles(options)) return 1;
      const servers: Figures = {};
      const runOrder = order % 2 === 0 ? kinds : [...kinds].reverse();
      order += 1;
      for (const kind of runOrder) {
        log(`curve ${series} ${point.x}: ${kind}`);
        const run = await runOnce(kind, options, pin);
        servers[kind] = pointFigures(run.results);
      }
      const limited = [servers['baseline-cork'], servers.roomwire].every(
        (f) => f?.generatorLimited === true,
      );
      const line: PointLine = {
        kind: 'curve-point',
        series,
        x: point.x,
        args: point.args,
        servers,
        ratios: ratiosOf(servers),
        generatorLimited: limited,
      };
      emit({ ...line, machine, durationS: curve.durationS }, curve.out);
      done.push(line);
      if (limited && generatorLoadGrows(series)) {
        log(
          `curve ${series}: the generator is the limit at ${point.x}: the larger points are skipped`,
        );
        break;
      }
    }
    process.stdout.write(`\n${series}\n${table(done)}\n\n`);
    lines.push(...done);
  }
  const perCore: Record<string, ClientsPerCore> = {};
  for (const [series, budget, name] of [
    ['clients', CHATTER_BUDGET, 'chatter (rooms of 10, 20 Hz, p99 < 20 ms)'],
    ['vr', VR_BUDGET, 'vr (rooms of 8, 72 Hz UDP + 2 Hz TCP, p99 < 30 ms)'],
  ] as const) {
    const points = lines.filter((line) => line.series === series);
    if (points.length === 0) continue;
    for (const kind of ['roomwire', 'baseline-cork', 'c-relay'] as const) {
      const figures = points.flatMap((line) => {
        const f = line.servers[kind];
        return f === undefined ? [] : [{ x: line.x, figures: f }];
      });
      if (figures.length > 0) perCore[`${name}: ${kind}`] = clientsPerCore(figures, budget);
    }
  }
  const summary = {
    kind: 'curve-summary',
    machine,
    clientsPerCore: perCore,
    targets: targets(lines),
  };
  emit(summary, curve.out);
  const rows = [['clients per core (70% of a core)', 'clients', 'method', 'us/client-s', 'note']];
  for (const [name, figure] of Object.entries(perCore)) {
    rows.push([
      name,
      figure.clients === null ? '-' : String(figure.clients),
      figure.method,
      figure.cpuUsPerClientS === null ? '-' : figure.cpuUsPerClientS.toFixed(0),
      figure.note,
    ]);
  }
  process.stdout.write(`${layout(rows)}\n\n`);
  for (const [name, verdict] of Object.entries(summary.targets)) {
    process.stdout.write(`${name}: ${verdict}\n`);
  }
  return 0;
}
