/**
 * Runs the standard benchmark set (each workload with `--baseline`, `--cluster` or
 * `--socketio`) `--runs` times and rewrites
 * the results section of docs/benchmarks.md, between its `results:start` and `results:end`
 * markers, with the date, commit, Node version and CPU. The raw JSON lines go to
 * bench/results/latest.jsonl. Run it as `npm run bench:docs` after `npm run build`;
 * `--runs N`, `--quick` (short runs, to try the script), `--doc FILE` and `--raw FILE` adjust it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { machineInfo } from './proc.js';
import type { Results, RunLine } from './report.js';
import { runBench } from './spawn-run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const START = '<!-- results:start -->';
const END = '<!-- results:end -->';

const CHATTER = ['chatter', '--rooms', '50', '--clients', '10', '--hz', '20', '--size', '64'];
const SATURATE = ['saturate', '--clients', '8', '--size', '64'];

/** The standard set: the issue's targets are stated for these exact flags. */
export const STANDARD: readonly {
  readonly name: string;
  readonly args: readonly string[];
  /**
   * What the run compares with: the baseline relay, Roomwire on one process (cluster), or the
   * Socket.IO relay (Roomwire then runs over WebSocket).
   */
  readonly compare?: '--baseline' | '--cluster' | '--socketio';
}[] = [
  { name: 'chatter', args: CHATTER },
  { name: 'saturate', args: SATURATE },
  { name: 'saturate (plain baseline)', args: [...SATURATE, '--baseline-plain'] },
  { name: 'vr', args: ['vr', '--rooms', '25', '--clients', '8', '--hz', '72', '--size', '100'] },
  { name: 'connect', args: ['connect', '--clients', '10000'] },
  { name: 'udp', args: ['udp', ...CHATTER.slice(1)] },
  { name: 'chatter (ws)', args: [...CHATTER, '--transport', 'ws'] },
  { name: 'saturate (ws)', args: [...SATURATE, '--transport', 'ws'] },
  { name: 'chatter (cluster)', args: [...CHATTER, '--nodes', '2'], compare: '--cluster' },
  { name: 'saturate (cluster)', args: [...SATURATE, '--nodes', '2'], compare: '--cluster' },
  { name: 'chatter (socket.io)', args: CHATTER, compare: '--socketio' },
  { name: 'saturate (socket.io)', args: SATURATE, compare: '--socketio' },
];

interface Pair {
  readonly name: string;
  readonly baseline: RunLine;
  readonly roomwire: RunLine;
}

const fmt = (value: number | null | undefined, digits = 0): string =>
  value === null || value === undefined
    ? '-'
    : value.toLocaleString('en-US', {
        maximumFractionDigits: digits,
        minimumFractionDigits: digits,
      });

function ratio(ours: number | null | undefined, theirs: number | null | undefined): number | null {
  if (
    ours === null ||
    ours === undefined ||
    theirs === null ||
    theirs === undefined ||
    theirs === 0
  )
    return null;
  return ours / theirs;
}

const x = (value: number | null): string => (value === null ? '-' : `${value.toFixed(2)}x`);
const pct = (value: number): string => `${Math.round(value * 100)}%`;

function row(name: string, server: string, r: Results): string {
  const cells = [
    name,
    server,
    r.deliveredPerS === null ? '-' : fmt(r.deliveredPerS),
    fmt(r.deliveryRatio, 4),
    fmt(r.latencyUs.p50),
    fmt(r.latencyUs.p99),
    fmt(r.latencyUs.p999),
    fmt(r.latencyUs.max),
    r.server.cpuUsPerDelivery === null
      ? `${fmt(r.connect?.cpuUsPerClient, 0)}/client`
      : fmt(r.server.cpuUsPerDelivery, 2),
    pct(r.server.cpuUtil),
    fmt(r.server.peakRssKb),
    fmt(r.server.rssPerConnKb, 2),
    `${pct(r.generator.cpuUtil)}${r.generator.saturated ? ' (sat.)' : ''}`,
    pct(r.otherCpuUtil),
  ];
  return `| ${cells.join(' | ')} |`;
}

function ratioRow(pair: Pair): string {
  const b = pair.baseline.results;
  const o = pair.roomwire.results;
  const cpu = ratio(
    o.server.cpuUsPerDelivery ?? o.connect?.cpuUsPerClient,
    b.server.cpuUsPerDelivery ?? b.connect?.cpuUsPerClient,
  );
  const cells = [
    '',
    '**ratio**',
    x(ratio(o.deliveredPerS, b.deliveredPerS)),
    '',
    x(ratio(o.latencyUs.p50, b.latencyUs.p50)),
    x(ratio(o.latencyUs.p99, b.latencyUs.p99)),
    x(ratio(o.latencyUs.p999, b.latencyUs.p999)),
    '',
    x(cpu),
    '',
    x(ratio(o.server.peakRssKb, b.server.peakRssKb)),
    x(ratio(o.server.rssPerConnKb, b.server.rssPerConnKb)),
    '',
    '',
  ];
  return `| ${cells.join(' | ')} |`;
}

function check(ok: boolean, detail: string): string {
  return `${ok ? 'met' : '**missed**'}: ${detail}`;
}

/** The issue's targets, judged on one run of the standard set. */
function targets(pairs: readonly Pair[]): string[] {
  const find = (name: string): Pair | undefined => pairs.find((pair) => pair.name === name);
  const out: string[] = [];
  const chatter = find('chatter');
  if (chatter !== undefined) {
    const o = chatter.roomwire.results;
    const b = chatter.baseline.results;
    const p99 = ratio(o.latencyUs.p99, b.latencyUs.p99) ?? Infinity;
    const cpu = ratio(o.server.cpuUsPerDelivery, b.server.cpuUsPerDelivery) ?? Infinity;
    out.push(
      `chatter, every message delivered: ${check(o.delivered === o.expected, `${fmt(o.delivered)} of ${fmt(o.expected)}`)}`,
    );
    out.push(
      `chatter, p99 at most 2x the baseline's: ${check(p99 <= 2, `${x(p99)} (${fmt(o.latencyUs.p99)} vs ${fmt(b.latencyUs.p99)} us)`)}`,
    );
    out.push(
      `chatter, CPU per delivery at most 1.0x the corked baseline's: ${check(cpu <= 1.0, `${x(cpu)} (${fmt(o.server.cpuUsPerDelivery, 2)} vs ${fmt(b.server.cpuUsPerDelivery, 2)} us)`)}`,
    );
  }
  for (const name of ['saturate', 'saturate (plain baseline)']) {
    const pair = find(name);
    if (pair === undefined) continue;
    const o = pair.roomwire.results;
    const b = pair.baseline.results;
    const cpu = ratio(o.server.cpuUsPerDelivery, b.server.cpuUsPerDelivery) ?? Infinity;
    out.push(
      `${name}, CPU per delivery at most 1.5x ${pair.baseline.server}'s: ${check(cpu <= 1.5, `${x(cpu)} (${fmt(o.server.cpuUsPerDelivery, 3)} vs ${fmt(b.server.cpuUsPerDelivery, 3)} us)`)}`,
    );
    if (name === 'saturate')
      out.push(
        `saturate, at least 1,000,000 deliveries/s: ${check((o.deliveredPerS ?? 0) >= 1e6, `${fmt(o.deliveredPerS)}/s`)}`,
      );
  }
  const connect = find('connect')?.roomwire.results;
  if (connect?.connect !== undefined) {
    const all = connect.clients === 10_000 && connect.connect.verifiedClients === 10_000;
    const bytes = connect.server.rssPerConnKb * 1024;
    out.push(
      `connect, all 10,000 joined and verified: ${check(all, `${fmt(connect.clients)} joined, ${fmt(connect.connect.verifiedClients)} verified`)}`,
    );
    out.push(
      `connect, RSS per connection under 10 KB: ${check(bytes < 10_000, `${fmt(bytes)} bytes`)}`,
    );
  }
  return out;
}

const HEADER =
  '| workload | server | delivered/s | delivery ratio | p50 us | p99 us | p99.9 us | max us | CPU us/delivery | server CPU | peak RSS KiB | RSS/conn KiB | generator CPU | other CPU |';

function section(pairs: readonly Pair[], index: number, date: string): string {
  const lines = [`### Run ${index + 1} (${date})`, '', HEADER, `|${' --- |'.repeat(14)}`];
  for (const pair of pairs) {
    lines.push(row(pair.name, pair.baseline.server, pair.baseline.results));
    lines.push(row(pair.name, pair.roomwire.server, pair.roomwire.results));
    lines.push(ratioRow(pair));
  }
  lines.push('', 'Targets:', '', ...targets(pairs).map((text) => `- ${text}`), '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '2' },
      quick: { type: 'boolean', default: false },
      doc: { type: 'string', default: `${ROOT}docs/benchmarks.md` },
      raw: { type: 'string', default: `${ROOT}bench/results/latest.jsonl` },
    },
  });
  const { doc: docPath, raw: rawPath } = values;
  const runs = Number(values.runs);
  const extra = values.quick ? ['--duration', '2', '--warmup', '1', '--drain', '1'] : [];
  const machine = machineInfo();
  const sections: string[] = [];
  const raw: string[] = [];
  let pinned = true;
  for (let index = 0; index < runs; index += 1) {
    const pairs: Pair[] = [];
    const date = new Date().toISOString();
    for (const { name, args, compare = '--baseline' } of STANDARD) {
      const quick =
        values.quick && name === 'connect' ? ['--clients', '2000', '--drain', '1'] : extra;
      const [baseline, roomwire] = await runBench([...args, ...quick, compare]);
      if (baseline === undefined || roomwire === undefined) {
        throw new Error(`${name}: missing results`);
      }
      pinned &&= baseline.machine.pinned && roomwire.machine.pinned;
      pairs.push({ name, baseline, roomwire });
      raw.push(JSON.stringify(baseline), JSON.stringify(roomwire));
    }
    sections.push(section(pairs, index, date));
  }
  const where = pinned
    ? 'server pinned to core 0, generator to core 1'
    : 'processes not pinned (no taskset)';
  const quickNote = values.quick ? ' **Quick run: shortened durations; not for comparison.**' : '';
  const header = `Measured ${machine.date.slice(0, 10)} at commit \`${machine.commit}\`, Node ${machine.node}, ${machine.cpu} (${machine.cores} cores), ${machine.os}; ${where}.${quickNote}\n`;
  const doc = readFileSync(docPath, 'utf8');
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start === -1 || end < start) throw new Error(`${docPath} has no ${START} ... ${END} section`);
  const body = `${START}\n\n${header}\n${sections.join('\n')}\n${END}`;
  // Formatted as `npm run lint` (prettier --check) expects it.
  const text = doc.slice(0, start) + body + doc.slice(end + END.length);
  const config = (await prettier.resolveConfig(docPath)) ?? {};
  writeFileSync(docPath, await prettier.format(text, { ...config, filepath: docPath }));
  mkdirSync(dirname(rawPath), { recursive: true });
  writeFileSync(rawPath, `${raw.join('\n')}\n`);
  process.stderr.write(`bench: wrote ${docPath} and ${rawPath}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:docs failed: ${String((error as Error).stack ?? error)}\n`);
  process.exitCode = 1;
});
