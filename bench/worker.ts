/**
 * A load-generator worker process, forked by `run.ts`: opens its share of the clients, runs the
 * workload in the window it is given and reports counters and histograms over IPC.
 * Every loop here is bounded in time and count; the process exits when its parent goes away.
 */
import { BenchClient, Meter, type ClientHooks } from './client.js';
import { Histogram } from './histogram.js';
import type { FromWorker, RunWindow, ToWorker, WorkerPlan, WorkerStats } from './types.js';
import { messageDatagram, nowUs, payloadMaker } from './wire.js';

const TICK_MS = 1;
/** The scheduler never catches up more than this much of lost time in one go. */
const MAX_BEHIND_S = 0.1;

const meter = new Meter();
const clients: BenchClient[] = [];
/** Per client, its place in its room: member k connects to server process k mod nodes. */
const nodeIndex: number[] = [];
const ready: BenchClient[] = [];
let plan: WorkerPlan | undefined;
let failed = 0;
let skipped = 0;
let window: RunWindow | undefined;
let makePayload: (sentUs: number) => string = String;
const timers: NodeJS.Timeout[] = [];

function send(message: FromWorker): void {
  process.send?.(message);
}

function recipients(client: BenchClient, mode: number): number {
  return mode === 1 ? client.share.size : client.share.size - 1;
}

/** Sends one workload message from `client`, stamped with the current time. */
function sendMessage(client: BenchClient, mode: number, udp: boolean): void {
  const sentUs = nowUs();
  const payload = makePayload(sentUs);
  if (udp) client.sendDatagram(messageDatagram(client.id, mode, payload));
  else client.relay(mode, payload);
  meter.onSent(sentUs, recipients(client, mode));
}

const hooks: ClientHooks = {
  ready(client) {
    ready.push(client);
    checkSetupDone();
  },
  failed() {
    failed += 1;
    checkSetupDone();
  },
  echo(client) {
    if (plan?.workload !== 'saturate' || window === undefined) return;
    if (nowUs() < window.measureEndUs) sendMessage(client, 1, false);
  },
};

let setupDone = false;
let started = 0;

function checkSetupDone(): void {
  if (plan === undefined || setupDone) return;
  if (ready.length + failed < clients.length) {
    startConnections();
    return;
  }
  setupDone = true;
  for (const timer of timers.splice(0)) clearInterval(timer);
  const joinLatency = new Histogram();
  for (const client of ready) joinLatency.record(client.readyUs - client.connectStartUs);
  send({
    type: 'ready',
    setup: {
      joined: ready.length,
      failed,
      udpBound: plan.workload === 'udp' ? ready.length : 0,
      joinLatency: joinLatency.toData(),
      errors: { ...meter.errors },
    },
  });
}

let setupStartUs = 0;

/** Starts the connections that are due at the planned rate, within the pending cap. */
function startConnections(): void {
  if (plan === undefined || setupDone) return;
  const due = Math.ceil(((nowUs() - setupStartUs) / 1e6) * plan.connectRate);
  const pending = started - ready.length - failed;
  let budget = Math.min(due - started, plan.maxPending - pending);
  while (budget > 0 && started < clients.length) {
    const client = clients[started];
    const node = plan.nodes[(nodeIndex[started] ?? 0) % plan.nodes.length];
    if (client !== undefined && node !== undefined) client.connect(plan, node);
    started += 1;
    budget -= 1;
  }
}

function setup(next: WorkerPlan): void {
  plan = next;
  makePayload = payloadMaker(next.size);
  const udp = next.workload === 'udp';
  const cork = next.workload === 'saturate' && next.transport === 'tcp';
  for (const share of next.rooms) {
    for (let index = 0; index < share.count; index += 1) {
      const username = `${next.namePrefix}-${clients.length}`;
      clients.push(new BenchClient(username, share, meter, hooks, udp, cork));
      nodeIndex.push(index);
    }
  }
  setupStartUs = nowUs();
  timers.push(setInterval(startConnections, TICK_MS));
  timers.push(
    setTimeout(() => {
      for (const client of clients) client.abandon();
      failed = clients.length - ready.length;
      checkSetupDone();
    }, next.setupTimeoutMs),
  );
  startConnections();
  checkSetupDone();
}

/** chatter and udp: every ready client sends at `hz`, evenly spread, until the window ends. */
function runPaced(current: WorkerPlan, runWindow: RunWindow): void {
  const count = ready.length;
  const perSecond = count * current.hz;
  const udp = current.workload === 'udp';
  let sentCount = 0;
  const maxBehind = Math.max(1, Math.ceil(perSecond * MAX_BEHIND_S));
  const tick = (): void => {
    const now = nowUs();
    if (now >= runWindow.measureEndUs || count === 0) {
      clearInterval(timer);
      return;
    }
    const due = Math.floor(((now - runWindow.startUs) / 1e6) * perSecond);
    if (due - sentCount > maxBehind) {
      skipped += due - sentCount - maxBehind;
      sentCount = due - maxBehind;
    }
    for (; sentCount < due; sentCount += 1) {
      const client = ready[sentCount % count] as BenchClient;
      sendMessage(client, current.mode, udp);
    }
  };
  const timer = setInterval(tick, TICK_MS);
}

function run(runWindow: RunWindow): void {
  const current = plan;
  if (current === undefined) return;
  window = runWindow;
  meter.measureStartUs = runWindow.measureStartUs;
  meter.measureEndUs = runWindow.measureEndUs;
  const begin = (): void => {
    if (current.workload === 'saturate') {
      for (const client of ready) {
        for (let index = 0; index < current.window; index += 1) sendMessage(client, 1, false);
      }
    } else if (current.workload === 'connect') {
      for (const client of ready) sendMessage(client, current.mode, false);
    } else {
      runPaced(current, runWindow);
    }
  };
  at(runWindow.startUs, begin);
}

/** Calls `fn` once the shared clock reaches `us` (timers may fire up to a millisecond early). */
function at(us: number, fn: () => void): void {
  const left = us - nowUs();
  if (left <= 0) fn();
  else setTimeout(() => at(us, fn), Math.max(1, Math.floor(left / 1000)));
}

function stats(): WorkerStats {
  const mode = plan?.mode ?? 0;
  let verified = 0;
  if (plan?.workload === 'connect') {
    for (const client of ready) {
      // Each member gets one message from each other member (and its own, in mode 1).
      if (client.received === recipients(client, mode)) verified += 1;
    }
  }
  return {
    clients: ready.length,
    sent: meter.sent,
    expected: meter.expected,
    received: meter.received,
    sentTotal: meter.sentTotal,
    receivedTotal: meter.receivedTotal,
    skipped,
    verified,
    latency: meter.latency.toData(),
    errors: { ...meter.errors },
  };
}

function close(): void {
  for (const timer of timers) clearInterval(timer);
  for (const client of clients) client.close();
  setTimeout(() => process.exit(0), 50).unref();
}

process.on('message', (message: ToWorker) => {
  try {
    if (message.type === 'setup') setup(message.plan);
    else if (message.type === 'run') run(message.window);
    else if (message.type === 'report') send({ type: 'stats', stats: stats() });
    else close();
  } catch (error) {
    send({ type: 'fatal', message: String((error as Error).stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'hello' });
process.on('SIGINT', () => {});
