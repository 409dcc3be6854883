/**
 * The soak: `npm run soak -- --minutes N`. Starts the built server as a child process on free
 * loopback ports, runs a mixed TCP/WebSocket/UDP load with churn against it, prints the server's
 * memory, descriptors, clients, throughput and latency every interval, and ends with a verdict
 * on memory. Exits non-zero when a checked message was lost or the server crashed.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Histogram } from './histogram.js';
import { freePort, machineInfo, waitForListen } from './proc.js';
import { sequencedPayload } from './sequence.js';
import { SoakClient, undelivered, type SoakTarget } from './soak-client.js';
import { soakOptions } from './soak-options.js';
import {
  openFds,
  rssMiB,
  serverGauges,
  tableHeader,
  tableRow,
  trend,
  type SoakSample,
} from './soak-report.js';
import { startChurn } from './soak-churn.js';

const HOST = '127.0.0.1';
const SERVER_SCRIPT = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

function log(text: string): void {
  process.stdout.write(`${text}\n`);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<number> {
  const opts = soakOptions(process.argv.slice(2));
  const port = await freePort(HOST);
  let httpPort = await freePort(HOST);
  while (httpPort === port) httpPort = await freePort(HOST);
  const logFd = openSync(opts.serverLog ?? '/dev/null', 'a');
  const args = ['--host', HOST, '--port', String(port), '--http-port', String(httpPort)];
  const server = spawn(process.execPath, [SERVER_SCRIPT, ...args, '--log-level', 'warn'], {
    stdio: ['ignore', logFd, 'pipe'],
  });
  closeSync(logFd);
  let stderr = '';
  server.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + String(chunk)).slice(-4000)));
  let stopping = false;
  let crashed = false;
  const exited = new Promise<number | null>((resolve) =>
    server.once('exit', (code) => {
      if (!stopping) crashed = true;
      resolve(code);
    }),
  );
  const pid = server.pid ?? -1;
  // Whatever ends this process, the server does not outlive it.
  process.once('exit', () => server.kill('SIGKILL'));
  const info = machineInfo();
  log(`soak: ${JSON.stringify({ ...info, ...opts, port, httpPort, serverPid: pid })}`);
  await waitForListen(HOST, port, 10_000);
  await waitForListen(HOST, httpPort, 10_000);

  let interval = new Histogram();
  const overall = new Histogram();
  let delivered = 0;
  let errors = 0;
  const refusals = new Map<string, number>();
  const target: SoakTarget = {
    host: HOST,
    port,
    httpPort,
    delivered(latencyUs) {
      delivered += 1;
      if (latencyUs === undefined) return;
      interval.record(latencyUs);
      overall.record(latencyUs);
    },
    refused(code) {
      errors += 1;
      refusals.set(code, (refusals.get(code) ?? 0) + 1);
    },
  };

  // The checked clients: complete, ordered delivery is verified for every one of them.
  const rooms: SoakClient[][] = [];
  let wsLeft = opts.wsClients;
  for (let room = 0; room < opts.rooms; room += 1) {
    const members: SoakClient[] = [];
    for (let index = 0; index < opts.roomSize; index += 1) {
      const wire = wsLeft-- > 0 ? 'websocket' : 'tcp';
      const client = await SoakClient.open(wire, target, `soak-${room}-${index}`);
      await client.join(`soak-${room}`);
      members.push(client);
    }
    rooms.push(members);
  }
  const udpMembers: SoakClient[] = [];
  for (let index = 0; index < opts.udpClients; index += 1) {
    const client = await SoakClient.open('tcp', target, `soak-udp-${index}`);
    await client.join('soak-udp');
    await client.bindUdp();
    udpMembers.push(client);
  }
  const checked = rooms.flat();
  const sender = setInterval(() => {
    for (const client of checked) client.send(`3:0:${sequencedPayload(client.sent++)}\n`);
    for (const client of udpMembers) {
      client.sendDatagram(`${client.id}:3:0:${sequencedPayload(client.sentUdp++)}`);
    }
  }, 1000 / opts.hz);
  const churn = startChurn(target, opts.churners, opts.churnRate, [
    ...rooms.map((_, room) => `soak-${room}`),
    'churn-a',
    'churn-b',
    'churn-c',
  ]);

  const samples: SoakSample[] = [];
  const started = Date.now();
  log(tableHeader());
  let lastAt = started;
  let lastDelivered = 0;
  let lastErrors = 0;
  const takeSample = async (): Promise<void> => {
    const now = Date.now();
    const gauges = await serverGauges(HOST, httpPort);
    const latency = interval.summary();
    interval = new Histogram();
    const row: SoakSample = {
      atS: Math.round((now - started) / 1000),
      rssMiB: rssMiB(pid),
      fds: openFds(pid),
      ...gauges,
      deliveredPerS: Math.round((delivered - lastDelivered) / ((now - lastAt) / 1000)),
      p50Ms: latency.p50 / 1000,
      p99Ms: latency.p99 / 1000,
      errors: errors - lastErrors,
    };
    lastAt = now;
    lastDelivered = delivered;
    lastErrors = errors;
    samples.push(row);
    log(tableRow(row));
  };
  while (!crashed && Date.now() - started < opts.durationS * 1000) {
    const next = Math.min(
      started + (samples.length + 1) * opts.intervalS * 1000,
      started + opts.durationS * 1000,
    );
    await Promise.race([sleep(next - Date.now()), exited]);
    if (!crashed) await takeSample();
  }

  clearInterval(sender);
  await churn.stop();
  await sleep(2000);
  const lost = rooms.reduce((sum, members) => sum + undelivered(members, 'stream'), 0);
  // Over TCP and WebSocket any gap is a loss; over UDP a gap is a datagram lost on the way.
  const sum = (clients: readonly SoakClient[], count: (client: SoakClient) => number): number =>
    clients.reduce((total, client) => total + count(client), 0);
  const disorder =
    sum(checked, (client) => client.check.gaps + client.check.duplicates) +
    sum(udpMembers, (client) => client.udpCheck.duplicates);
  const udpLost =
    undelivered(udpMembers, 'udp') + sum(udpMembers, (client) => client.udpCheck.gaps);
  const udpExpected = sum(udpMembers, (client) => client.sentUdp * (udpMembers.length - 1));
  const dropped = [...checked, ...udpMembers].filter((client) => client.closed).length;
  for (const client of [...checked, ...udpMembers]) client.destroy();

  stopping = true;
  server.kill('SIGTERM');
  const code = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') server.kill('SIGKILL');

  const warm = samples.filter((row) => row.atS >= Math.min(60, opts.durationS / 5));
  const times = warm.map((row) => row.atS);
  const rss = trend(
    times,
    warm.map((row) => row.rssMiB),
    { by: 'mean', tolerance: 0.1, floor: 8 },
  );
  const heap = trend(
    times,
    warm.map((row) => row.heapMiB),
    { by: 'min', tolerance: 0.1, floor: 4 },
  );
  const all = overall.summary();
  const summary = {
    ...info,
    durationS: Math.round((Date.now() - started) / 1000),
    checkedMessages: checked.reduce((sum, client) => sum + client.sent, 0),
    lost,
    disorder,
    droppedCheckedClients: dropped,
    udpLost,
    udpExpected,
    churnActions: churn.actions(),
    churnFailures: churn.failures(),
    refusals: Object.fromEntries(refusals),
    latencyMs: { p50: all.p50 / 1000, p99: all.p99 / 1000, max: all.max / 1000 },
    rss,
    heap,
    serverCrashed: crashed,
    serverExit: code,
  };
  log(`soak summary: ${JSON.stringify(summary)}`);
  const verdict = (name: string, t: typeof rss): string =>
    t === undefined
      ? `${name}: too few samples after warm-up to judge`
      : `${name}: ${t.flat ? 'flat' : 'GROWING'} (${t.by} of the first half ` +
        `${t.firstHalf.toFixed(1)} MiB, of the last half ${t.lastHalf.toFixed(1)} MiB, ` +
        `slope ${t.slopePerMin.toFixed(3)} MiB/min)`;
  log(`memory verdict: ${verdict('rss', rss)}; ${verdict('heap', heap)}`);
  const failures: string[] = [];
  if (crashed) failures.push(`the server exited on its own (code ${code}): ${stderr}`);
  if (lost > 0 || disorder > 0) failures.push(`${lost} lost, ${disorder} out of order`);
  if (dropped > 0) failures.push(`${dropped} checked clients were dropped`);
  if (udpLost > udpExpected * 0.01) failures.push(`${udpLost} of ${udpExpected} UDP lost`);
  if (!crashed && code !== 0) failures.push(`SIGTERM: the server exited with ${code}`);
  log(failures.length === 0 ? 'soak: PASS' : `soak: FAIL: ${failures.join('; ')}`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
