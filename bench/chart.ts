/**
 * Draws the curves of `npm run bench -- curve --out FILE` as one SVG image, written by hand
 * (no network, no plotting library): one column per series, server CPU per delivery on top and
 * the p99 latency below, one line per server, the x axis logarithmic. A point where the
 * generator was the limit is drawn hollow.
 *
 *   npm run bench:chart -- bench/results/curve.jsonl docs/benchmarks-curves.svg
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { usable, type PointFigures, type Series } from './curve-plan.js';

interface Point {
  readonly series: Series;
  readonly x: number;
  readonly servers: Record<string, PointFigures>;
}

const PANEL_W = 260;
const PANEL_H = 180;
const MARGIN = { left: 56, top: 40, right: 16, bottom: 44 };
const COLORS: Record<string, string> = {
  roomwire: '#d62728',
  'baseline-cork': '#1f77b4',
  'c-relay': '#2ca02c',
};
const TITLES: Record<Series, string> = {
  clients: 'chatter: clients (rooms of 10, 20 Hz)',
  connections: 'chatter: clients (rooms of 10, 90k deliveries/s)',
  rooms: 'chatter: room size (90k deliveries/s)',
  size: 'chatter: message bytes (500 clients)',
  vr: 'vr: clients (rooms of 8, 72 Hz UDP)',
};

/** The curve-point lines of a JSON-lines file; every other line is skipped. */
export function readPoints(text: string): Point[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { kind?: string } & Point)
    .filter((line) => line.kind === 'curve-point');
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A readable upper bound of the axis: 1, 2 or 5 times a power of ten. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

function panel(
  points: readonly Point[],
  pick: (f: PointFigures) => number | null,
  label: string,
  left: number,
  top: number,
  title: string | undefined,
): string {
  const out: string[] = [];
  const xs = points.map((p) => p.x);
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs);
  const logSpan = Math.log(maxX / minX) || 1;
  const values = points.flatMap((p) => Object.values(p.servers).map((f) => pick(f) ?? 0));
  const maxY = niceMax(Math.max(...values));
  const px = (x: number): number =>
    left + (points.length === 1 ? PANEL_W / 2 : (Math.log(x / minX) / logSpan) * PANEL_W);
  const py = (y: number): number => top + PANEL_H - (y / maxY) * PANEL_H;
  out.push(
    `<rect x="${left}" y="${top}" width="${PANEL_W}" height="${PANEL_H}" fill="none" stroke="#999"/>`,
  );
  if (title !== undefined) {
    out.push(
      `<text x="${left + PANEL_W / 2}" y="${top - 10}" text-anchor="middle" font-size="12">${escape(title)}</text>`,
    );
  }
  for (const fraction of [0, 0.5, 1]) {
    const y = py(maxY * fraction);
    out.push(
      `<line x1="${left}" x2="${left + PANEL_W}" y1="${y}" y2="${y}" stroke="#eee"/>`,
      `<text x="${left - 4}" y="${y + 4}" text-anchor="end" font-size="10">${maxY * fraction}</text>`,
    );
  }
  for (const x of xs) {
    out.push(
      `<text x="${px(x)}" y="${top + PANEL_H + 14}" text-anchor="middle" font-size="10">${x}</text>`,
    );
  }
  out.push(
    `<text x="${left - 40}" y="${top + PANEL_H / 2}" font-size="10" transform="rotate(-90 ${left - 40} ${top + PANEL_H / 2})" text-anchor="middle">${escape(label)}</text>`,
  );
  const kinds = [...new Set(points.flatMap((p) => Object.keys(p.servers)))];
  for (const kind of kinds) {
    const color = COLORS[kind] ?? '#555';
    const coords = points.flatMap((p) => {
      const f = p.servers[kind];
      const y = f === undefined ? null : pick(f);
      return f === undefined || y === null ? [] : [{ x: px(p.x), y: py(y), hollow: !usable(f) }];
    });
    if (coords.length > 1) {
      const path = coords.map((c) => `${c.x.toFixed(1)},${c.y.toFixed(1)}`).join(' ');
      out.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    for (const c of coords) {
      out.push(
        `<circle cx="${c.x.toFixed(1)}" cy="${c.y.toFixed(1)}" r="3.5" stroke="${color}" stroke-width="1.5" fill="${c.hollow ? 'white' : color}"/>`,
      );
    }
  }
  return out.join('\n');
}

/** The whole image: a column per series present, CPU per delivery above p99. */
export function chartSvg(points: readonly Point[], caption: string): string {
  const series = [...new Set(points.map((p) => p.series))];
  const columnW = MARGIN.left + PANEL_W + MARGIN.right;
  const rowH = MARGIN.top + PANEL_H + MARGIN.bottom;
  const width = Math.max(660, series.length * columnW);
  const height = 2 * rowH + 50;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  series.forEach((name, column) => {
    const own = points.filter((p) => p.series === name).sort((a, b) => a.x - b.x);
    const left = column * columnW + MARGIN.left;
    parts.push(
      panel(
        own,
        (f) => f.cpuUsPerDelivery,
        'server CPU us / delivery',
        left,
        MARGIN.top,
        TITLES[name],
      ),
    );
    parts.push(
      panel(own, (f) => f.p99Us / 1000, 'p99 latency (ms)', left, rowH + MARGIN.top, undefined),
    );
  });
  let legendX = MARGIN.left;
  const legendY = 2 * rowH + 16;
  for (const [kind, color] of Object.entries(COLORS)) {
    parts.push(
      `<circle cx="${legendX}" cy="${legendY}" r="4" fill="${color}"/>`,
      `<text x="${legendX + 8}" y="${legendY + 4}" font-size="11">${kind}</text>`,
    );
    legendX += 120;
  }
  parts.push(
    `<circle cx="${legendX}" cy="${legendY}" r="4" fill="white" stroke="#555"/>`,
    `<text x="${legendX + 8}" y="${legendY + 4}" font-size="11">generator-limited or starved point</text>`,
    `<text x="${MARGIN.left}" y="${legendY + 24}" font-size="10" fill="#555">${escape(caption)}</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

function main(argv: string[]): number {
  const [input, output, ...rest] = argv;
  if (input === undefined || output === undefined) {
    process.stderr.write('usage: npm run bench:chart -- <curve.jsonl> <out.svg> [caption]\n');
    return 2;
  }
  const points = readPoints(readFileSync(input, 'utf8'));
  if (points.length === 0) {
    process.stderr.write(`${input} has no curve-point line\n`);
    return 1;
  }
  writeFileSync(output, chartSvg(points, rest.join(' ') || `from ${input}`));
  process.stderr.write(`wrote ${output} (${points.length} points)\n`);
  return 0;
}

// Run as a script (npm run bench:chart), not when a test imports it.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
