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
  return mode === 1 || mode === 3 ? client.share.size : client.share.size - 1;
}

/** The event payload of the vr workload, in bytes. */
const EVENT_SIZE = 48;

/** The one-off and closed-loop messages: mode `mode` over TCP, the run's payload size. */
const tcpStream = (mode: number): Stream => ({ hz: 0, mode, udp: false, makePayload });

/** Sends one message of `stream` from `client`, stamped with the current time. */
function sendMessage(client: BenchClient, stream: Stream): void {
  const sentUs = nowUs();
  const payload = stream.makePayload(sentUs);
  if (stream.udp) client.sendDatagram(messageDatagram(client.id, stream.mode, payload));
  else client.relay(stream.mode, payload);
  meter.onSent(sentUs, recipients(client, stream.mode), stream.udp);
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
    if (nowUs() < window.measureEndUs) sendMessage(client, tcpStream(1));
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
      udpBound: plan.workload === 'udp' || plan.workload === 'vr' ? ready.length : 0,
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
  const udp = next.workload === 'udp' || next.workload === 'vr';
  const cork = next.workload === 'saturate' && next.transport === 'tcp';
  for (const share of next.rooms) {
    for (let index = 0; index < share.count; index += 1) {
      const username = `${next.namePrefix}-${clients.length}`;
      clients.push(new BenchClient(username, share, meter, hooks, udp, cork, next.ack));
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

/** One periodic stream of messages: every ready client sends one every `1 / hz` seconds. */
interface Stream {
  readonly hz: number;
  readonly mode: number;
  readonly udp: boolean;
  readonly makePayload: (sentUs: number) => string;
}

/** A small seeded generator (mulberry32), so that a worker's phases are the same every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The streams of chatter, udp and vr, each client on its own clock. With `phase` pacing (the
 * standard) each client sends at its own random phase within the period, as clients on
 * separate machines do; with `tick` pacing the phases are spread evenly in room order, so a
 * room's members send back to back (the old pacing: bursts the server can coalesce).
 * Message n of a stream is due at start + floor(n / count) periods + the phase of client
 * n mod count, the clients sorted by phase; a stream more than 100 ms behind skips (and
 * counts) the sends it missed.
 */
function runPaced(current: WorkerPlan, runWindow: RunWindow, streams: readonly Stream[]): void {
  const count = ready.length;
  if (count === 0) return;
  const random = seeded(1 + current.namePrefix.length * 7919 + hash(current.namePrefix));
  const states = streams.map((stream) => {
    const periodUs = 1e6 / stream.hz;
    const phased = ready.map((client, index) => ({
      client,
      phaseUs:
        current.pacing === 'tick' ? (index * periodUs) / count : Math.floor(random() * periodUs),
    }));
    phased.sort((a, b) => a.phaseUs - b.phaseUs);
    return { stream, periodUs, phased, next: 0 };
  });
  const maxBehindUs = MAX_BEHIND_S * 1e6;
  const tick = (): void => {
    const now = nowUs();
    if (now >= runWindow.measureEndUs) {
      clearInterval(timer);
      return;
    }
    for (const state of states) {
      for (;;) {
        const round = Math.floor(state.next / count);
        const slot = state.phased[state.next % count] as { client: BenchClient; phaseUs: number };
        const dueUs = runWindow.startUs + round * state.periodUs + slot.phaseUs;
        if (dueUs > now) break;
        state.next += 1;
        if (now - dueUs > maxBehindUs) skipped += 1;
        else sendMessage(slot.client, state.stream);
      }
    }
  };
  const timer = setInterval(tick, TICK_MS);
}

function hash(text: string): number {
  let h = 0;
  for (let index = 0; index < text.length; index += 1) h = (h * 31 + text.charCodeAt(index)) | 0;
  return h;
}

/** The streams a paced workload sends. */
function streamsOf(current: WorkerPlan): Stream[] {
  const main: Stream = {
    hz: current.hz,
    mode: current.mode,
    udp: current.workload === 'udp' || current.workload === 'vr',
    makePayload,
  };
  if (current.workload !== 'vr') return [main];
  // VR: the pose stream over UDP, and ordered events to the whole room (3:3) over TCP.
  const events: Stream = {
    hz: current.eventHz,
    mode: 3,
    udp: false,
    makePayload: payloadMaker(EVENT_SIZE),
  };
  return [main, events];
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
        for (let index = 0; index < current.window; index += 1) sendMessage(client, tcpStream(1));
      }
    } else if (current.workload === 'connect') {
      for (const client of ready) sendMessage(client, tcpStream(current.mode));
    } else {
      runPaced(current, runWindow, streamsOf(current));
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
    udpExpected: meter.udpExpected,
    udpReceived: meter.udpReceived,
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
