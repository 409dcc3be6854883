/**
 * The load generator's orchestrator: `npm run bench -- <workload> [flags]` (see options.ts).
 * Starts the server under test (pinned to core 0) and the worker processes (pinned to core 1),
 * measures the server's CPU and memory from /proc around the measured window, merges what the
 * workers report, and prints one JSON line per server run and a readable table.
 */
import { execFileSync } from 'node:child_process';
import { prepareAgainst, ROOT, type AgainstBuild } from './against.js';
import { buildCRelay } from './c-relay.js';
import { runCurve } from './curve.js';
import { parseOptions, USAGE, UsageError, type BenchOptions } from './options.js';
import { killAll, log, setAgainstScript } from './processes.js';
import { canPin } from './proc.js';
import {
  comparison,
  formatPairTable,
  formatTable,
  medianRatios,
  type PairRatios,
  type RunLine,
  type ServerKind,
} from './report.js';
import { enoughOpenFiles, runOnce } from './run-once.js';

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'curve') return runCurve(argv.slice(1));
  let options = parseOptions(argv);
  if (options === undefined) {
    process.stdout.write(USAGE);
    return 0;
  }
  const pin = options.pin && canPin();
  if (options.pin && !pin)
    log('note: taskset is missing or there is one core: processes are not pinned');
  if (!enoughOpenFiles(options)) return 1;
  if (options.servers.includes('c-relay') && buildCRelay(log) === undefined) {
    options = { ...options, servers: options.servers.filter((kind) => kind !== 'c-relay') };
  }
  let build: AgainstBuild | undefined;
  if (options.against !== undefined) {
    build = prepareAgainst(options.against, options.keepAgainst, log);
    setAgainstScript(build.script);
    log(`against ${build.sha.slice(0, 12)} (${options.against}); working tree: ${workingTree()}`);
  }
  try {
    return await runPairs(options, pin, build);
  } finally {
    build?.remove();
  }
}

/** The working tree's commit and how many files differ from it, for the log. */
function workingTree(): string {
  try {
    const git = (args: string[]): string =>
      execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }).trim();
    const changed = git(['status', '--porcelain']).split('\n').filter(Boolean).length;
    return `${git(['rev-parse', '--short=12', 'HEAD'])} + ${changed} changed file(s)`;
  } catch {
    return 'not a git checkout';
  }
}

/**
 * Runs each server once, or, for a comparison of two, `--pairs` alternating pairs: the first
 * server then the second, then the other way round, so that a drift of the machine's load
 * falls on both sides. Prints each run's JSON line, one comparison line per pair and, for
 * more than one pair, a summary line with the median of each ratio.
 */
async function runPairs(
  options: BenchOptions,
  pin: boolean,
  build: AgainstBuild | undefined,
): Promise<number> {
  const runs: RunLine[] = [];
  const pairs: PairRatios[] = [];
  let status = 0;
  const [reference, candidate] = options.servers;
  const pairCount = candidate === undefined ? 1 : options.pairs;
  for (let pair = 0; pair < pairCount; pair += 1) {
    const order = pair % 2 === 0 ? options.servers : [...options.servers].reverse();
    const byKind = new Map<ServerKind, RunLine>();
    for (const kind of order) {
      if (pairCount > 1) log(`pair ${pair + 1} of ${pairCount}: ${kind}`);
      const run = await runOnce(kind, options, pin);
      const line = build !== undefined && kind === 'against' ? { ...run, commit: build.sha } : run;
      runs.push(line);
      byKind.set(kind, line);
      process.stdout.write(`${JSON.stringify(line)}\n`);
      status = Math.max(status, checkRun(run));
    }
    const first = reference === undefined ? undefined : byKind.get(reference);
    const second = candidate === undefined ? undefined : byKind.get(candidate);
    if (first === undefined || second === undefined) continue;
    const ratios = comparison(first.results, second.results);
    pairs.push(ratios);
    process.stdout.write(
      `${JSON.stringify({ kind: 'comparison', workload: options.workload, servers: [reference, candidate], pair: pair + 1, flags: first.flags, machine: first.machine, ...(build === undefined ? {} : { against: options.against, commit: build.sha }), ratios })}\n`,
    );
  }
  process.stdout.write(
    `\n${options.workload} ${JSON.stringify(runs[0]?.flags)}\n${formatTable(runs)}\n`,
  );
  if (pairs.length > 1) {
    const medians = medianRatios(pairs);
    process.stdout.write(
      `${JSON.stringify({ kind: 'summary', workload: options.workload, servers: [reference, candidate], pairs: pairs.length, ...(build === undefined ? {} : { against: options.against, commit: build.sha }), medians, perPair: pairs })}\n`,
    );
    process.stdout.write(
      `\n${candidate} / ${reference}, ${pairs.length} alternating pairs\n${formatPairTable(pairs, medians)}\n`,
    );
  }
  return status;
}

/** Logs what makes a run doubtful; returns 1 when no client got ready. */
function checkRun(run: RunLine): number {
  const { generator, otherCpuUtil, clients, failedClients, errors } = run.results;
  if (failedClients > 0) {
    const codes = Object.entries(errors).map(([code, count]) => `${code}=${count}`);
    log(`error: ${failedClients} clients never got ready on ${run.server} (${codes.join(' ')})`);
  }
  if (generator.saturated) log(`warning: the generator's core was saturated: it may be the limit`);
  if (otherCpuUtil > 0.25) {
    log(`warning: other processes used ${Math.round(otherCpuUtil * 100)}% of a core: noisy run`);
  }
  return clients === 0 ? 1 : 0;
}

process.on('SIGINT', () => {
  log('interrupted: stopping every process');
  killAll();
  process.exit(130);
});
process.on('SIGTERM', () => {
  killAll();
  process.exit(143);
});
process.on('exit', killAll);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) process.stderr.write(`bench: ${error.message}\n\n${USAGE}`);
    else log(`failed: ${String((error as Error).stack ?? error)}`);
    killAll();
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
