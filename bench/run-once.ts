/**
 * One run of a workload against one server: starts the server (pinned to core 0) and the
 * workers (core 1), measures the server's CPU and memory from /proc around the measured
 * window, merges what the workers report and returns the run's JSON line. Used by run.ts
 * (single runs and alternating pairs) and curve.ts (a series of sizes).
 */
import type { BenchOptions } from './options.js';
import {
  clientTransport,
  cpuDelta,
  HOST,
  log,
  sleep,
  snapshot,
  startServer,
  stop,
  type ServerPorts,
  Workers,
} from './processes.js';
import {
  cpuSeconds,
  freePort,
  machineInfo,
  openFilesLimit,
  redisPids,
  totalMemoryKb,
  waitForListen,
} from './proc.js';
import { buildResults, workloadFlags, type RunLine, type ServerKind } from './report.js';
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
    ack: options.ack,
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

export async function runOnce(
  kind: ServerKind,
  options: BenchOptions,
  pin: boolean,
): Promise<RunLine> {
  const clustered = kind === 'cluster' || (kind === 'against' && options.againstCluster);
  const count = clustered ? options.nodes : 1;
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
      await waitForListen(HOST, port, 30_000);
      if (transport === 'ws') await waitForListen(HOST, httpPort, 30_000);
    }
    const redis = clustered ? await redisPids(options.redisUrl) : [];
    if (clustered && redis.length === 0) {
      log(`note: Redis's CPU is not counted (no pid from ${options.redisUrl})`);
    }
    pids.push(...redis);
    const redisCpu = (): number => redis.reduce((total, pid) => total + cpuSeconds(pid), 0);
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
    const redis0 = redisCpu();
    await sleep((measureEndUs - nowUs()) / 1000);
    const cpu1 = snapshot(pids, workers);
    const redisCpuS = redisCpu() - redis0;
    const loaded = totalMemoryKb(pids);
    await sleep(options.drainS * 1000);
    const stats: WorkerStats[] = (await workers.ask([{ type: 'report' }], 'stats', 30_000)).map(
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
      redisCpuS: clustered && !connect && redis.length > 0 ? redisCpuS : undefined,
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

/** Whether this process may open the sockets the run needs; logs what to do when not. */
export function enoughOpenFiles(options: BenchOptions): boolean {
  const sockets =
    options.workload === 'connect' || options.workload === 'saturate'
      ? options.clients
      : options.rooms * options.clients;
  const udp = options.workload === 'udp' || options.workload === 'vr';
  const needed = sockets * (udp ? 2 : 1) + 100;
  const limit = openFilesLimit();
  if (limit >= needed) return true;
  log(`ulimit -n is ${limit}, but this run needs about ${needed} open files per process.`);
  log(`raise it in this shell (ulimit -n ${Math.max(needed, 65536)}) or lower --clients.`);
  return false;
}
