/**
 * The load generator's orchestrator: `npm run bench -- <workload> [flags]` (see options.ts).
 * Starts the server under test (pinned to core 0) and the worker processes (pinned to core 1),
 * measures the server's CPU and memory from /proc around the measured window, merges what the
 * workers report, and prints one JSON line per server run and a readable table.
 */
import { execFileSync } from 'node:child_process';
import { prepareAgainst, ROOT, type AgainstBuild } from './against.js';
import { buildCRelay } from './c-relay.js';
import { parseOptions, USAGE, UsageError, type BenchOptions } from './options.js';
import {
  clientTransport,
  cpuDelta,
  HOST,
  killAll,
  log,
  setAgainstScript,
  sleep,
  snapshot,
  startServer,
  stop,
  type ServerPorts,
  Workers,
} from './processes.js';
import {
  canPin,
  freePort,
  machineInfo,
  openFilesLimit,
  redisPid,
  totalMemoryKb,
  waitForListen,
} from './proc.js';
import {
  buildResults,
  comparison,
  formatPairTable,
  formatTable,
  medianRatios,
  type PairRatios,
  workloadFlags,
  type RunLine,
  type ServerKind,
} from './report.js';
import type { BenchNode, RoomShare, SetupReport, WorkerPlan, WorkerStats } from './types.js';
import { nowUs } from './wire.js';

/** Splits the clients into per-worker room shares. */
function plans(
  options: BenchOptions,
  nodes: readonly BenchNode[],
  transport: WorkerPlan['transport'],
): WorkerPlan[] {
  const shares: RoomShare[][] = Array.from({ length: options.workers }, () => []);
  const { workload, workers } = options;
  if (workload === 'saturate') {
    for (let w = 0; w < workers; w += 1) {
      const count = Math.floor(options.clients / workers) + (w < options.clients % workers ? 1 : 0);
      if (count > 0) shares[w]?.push({ room: 'saturate', count, size: options.clients });
    }
  } else {
    const size = workload === 'connect' ? options.roomSize : options.clients;
    const rooms = workload === 'connect' ? Math.ceil(options.clients / size) : options.rooms;
    for (let r = 0; r < rooms; r += 1) {
      const count = workload === 'connect' ? Math.min(size, options.clients - r * size) : size;
      shares[r % workers]?.push({ room: `${workload}-${r}`, count, size: count });
    }
  }
  const connectRate = (workload === 'connect' ? options.rate : 5000) / workers;
  return shares.map((rooms, w) => ({
    workload,
    host: HOST,
    nodes,
    transport,
    rooms,
    mode: workload === 'saturate' ? 1 : 0,
    size: options.size,
    hz: options.hz,
    eventHz: options.eventHz,
    pacing: options.pacing,
    window: options.window,
    connectRate,
    maxPending: Math.max(8, Math.ceil(256 / workers)),
    // Twice the planned connect time, plus 20 s: a bound, not an expectation.
    setupTimeoutMs: Math.ceil(
      20_000 + (2_000 * rooms.reduce((sum, share) => sum + share.count, 0)) / connectRate,
    ),
    namePrefix: `w${w}`,
  }));
}

async function runOnce(kind: ServerKind, options: BenchOptions, pin: boolean): Promise<RunLine> {
  const count = kind === 'cluster' ? options.nodes : 1;
  const ports: ServerPorts[] = [];
  for (let index = 0; index < count; index += 1) {
    ports.push({ port: await freePort(HOST), httpPort: await freePort(HOST) });
  }
  const where = ports.map((p) => p.port).join(', ');
  const transport = clientTransport(kind, options);
  log(`${options.workload} against ${kind} on port ${where} (${transport})`);
  const prefix = `bench-${process.pid}-${Date.now()}`;
  const servers = ports.map((p) => startServer(kind, p, options, pin, prefix));
  const pids = servers.map((server) => server.pid ?? -1);
  let workers: Workers | undefined;
  try {
    for (const { port, httpPort } of ports) {
      await waitForListen(HOST, port, 10_000);
      if (transport === 'ws') await waitForListen(HOST, httpPort, 10_000);
    }
    if (kind === 'cluster') {
      const redis = await redisPid(options.redisUrl);
      if (redis === undefined)
        log(`note: Redis's CPU is not counted (no pid from ${options.redisUrl})`);
      else pids.push(redis);
    }
    await sleep(300);
    const idle = totalMemoryKb(pids);
    workers = new Workers(options.workers, pin);
    await workers.started;
    const nodes = ports.map((p) => ({ port: p.port, wsUrl: `ws://${HOST}:${p.httpPort}/ws` }));
    const workerPlans = plans(options, nodes, transport);
    const setupTimeout = Math.max(...workerPlans.map((p) => p.setupTimeoutMs)) + 5_000;
    const setupStart = nowUs();
    const cpuSetup0 = snapshot(pids, workers);
    const ready = await workers.ask(
      workerPlans.map((plan) => ({ type: 'setup', plan })),
      'ready',
      setupTimeout,
    );
    const setups: SetupReport[] = ready.map((answer) => answer.setup);
    const setupS = (nowUs() - setupStart) / 1e6;
    const cpuSetup1 = snapshot(pids, workers);
    const afterSetup = totalMemoryKb(pids);
    log(`${setups.reduce((n, s) => n + s.joined, 0)} clients ready in ${setupS.toFixed(2)} s`);

    const connect = options.workload === 'connect';
    const startUs = nowUs() + 200_000;
    const measureStartUs = connect ? startUs : startUs + options.warmupS * 1e6;
    const measureEndUs = connect ? startUs + 1e6 : measureStartUs + options.durationS * 1e6;
    workers.broadcast({ type: 'run', window: { startUs, measureStartUs, measureEndUs } });
    await sleep((measureStartUs - nowUs()) / 1000);
    const cpu0 = snapshot(pids, workers);
    await sleep((measureEndUs - nowUs()) / 1000);
    const cpu1 = snapshot(pids, workers);
    const loaded = totalMemoryKb(pids);
    await sleep(options.drainS * 1000);
    const stats: WorkerStats[] = (await workers.ask([{ type: 'report' }], 'stats', 10_000)).map(
      (a) => a.stats,
    );
    const end = totalMemoryKb(pids);
    const cpu = connect ? cpuDelta(cpuSetup0, cpuSetup1) : cpuDelta(cpu0, cpu1);
    const results = buildResults(options.workload, {
      setups,
      stats,
      cpuWindowS: connect ? setupS : (measureEndUs - measureStartUs) / 1e6,
      sendWindowS: (measureEndUs - measureStartUs) / 1e6,
      setupS,
      serverCpuS: cpu.server,
      generatorCpuS: cpu.generator,
      otherCpuS: cpu.other,
      generatorCores: pin ? 1 : Math.min(options.workers, 2),
      rssIdleKb: idle.rssKb,
      rssLoadedKb: connect ? afterSetup.rssKb : loaded.rssKb,
      peakRssKb: end.peakKb,
    });
    return {
      kind: 'run',
      server: kind,
      workload: options.workload,
      flags: workloadFlags(options),
      machine: { ...machineInfo(), pinned: pin },
      results,
    };
  } finally {
    if (workers !== undefined) {
      workers.broadcast({ type: 'close' });
      await Promise.all(workers.children.map((child) => stop(child, 2000)));
    }
    await Promise.all(servers.map((server) => stop(server, 5000)));
  }
}

async function main(argv: string[]): Promise<number> {
  let options = parseOptions(argv);
  if (options === undefined) {
    process.stdout.write(USAGE);
    return 0;
  }
  const pin = options.pin && canPin();
  if (options.pin && !pin)
    log('note: taskset is missing or there is one core: processes are not pinned');
  const sockets =
    options.workload === 'connect' || options.workload === 'saturate'
      ? options.clients
      : options.rooms * options.clients;
  const udp = options.workload === 'udp' || options.workload === 'vr';
  const needed = sockets * (udp ? 2 : 1) + 100;
  const limit = openFilesLimit();
  if (!(limit >= needed)) {
    log(`ulimit -n is ${limit}, but this run needs about ${needed} open files per process.`);
    log(`raise it in this shell (ulimit -n ${Math.max(needed, 65536)}) or lower --clients.`);
    return 1;
  }
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
