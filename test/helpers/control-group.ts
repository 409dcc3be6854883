/**
 * The control group of the attack tests: clients in one room exchanging sequenced messages at a
 * steady rate (over TCP, and by default one member over WebSocket and two over UDP too), each
 * checking that it receives every other member's messages, in order, once. It runs beside an
 * attack and tells whether the attack cost it anything: messages, members or latency.
 */
import assert from 'node:assert/strict';
import { Histogram, type LatencySummary } from '../../bench/histogram.js';
import { sequencedPayload } from '../../bench/sequence.js';
import {
  SoakClient,
  undelivered,
  type SoakTarget,
  type StreamWire,
} from '../../bench/soak-client.js';

/** Where members connect: a server's TCP port and HTTP (WebSocket) port. */
export interface Endpoint {
  readonly port: number;
  readonly httpPort: number;
}

/** Options of {@link ControlGroup.start}. */
export interface ControlGroupOptions {
  readonly port: number;
  /** The HTTP port; needed when `websocket` is on. */
  readonly httpPort?: number;
  /**
   * Servers (nodes of one cluster) to spread the members over: member i connects to endpoint
   * i mod n. Replaces `port` and `httpPort` when given.
   */
  readonly endpoints?: readonly Endpoint[];
  /** Members, all over TCP unless one is WebSocket [6]. */
  readonly members?: number;
  /** Messages per second each member sends [20]. */
  readonly hz?: number;
  readonly room?: string;
  /** One member connects over WebSocket instead of TCP [on when httpPort is given]. */
  readonly websocket?: boolean;
  /** Two TCP members also bind UDP and send datagrams to each other [true]. */
  readonly udp?: boolean;
}

/** What the control group saw over its whole run. */
export interface ControlReport {
  readonly sent: number;
  readonly received: number;
  /** Messages never delivered, gaps and repeats, over TCP/WebSocket and over UDP. */
  readonly lost: number;
  readonly disorder: number;
  readonly udpSent: number;
  readonly udpLost: number;
  /** Members the server closed. */
  readonly dropped: number;
  /** Every `9:<code>` a member received, and `closed_by_server` for each member the server closed. */
  readonly refusals: readonly string[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What the members report, from their first line on. */
class Recorder {
  readonly refusals: string[] = [];
  phase = new Histogram();
  received = 0;
}

/** A running control group; see the file's comment. */
export class ControlGroup {
  #timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly members: readonly SoakClient[],
    readonly udpMembers: readonly SoakClient[],
    readonly recorder: Recorder,
  ) {}

  /** Connects, logs in and joins every member, then starts sending. */
  static async start(options: ControlGroupOptions): Promise<ControlGroup> {
    const room = options.room ?? 'control';
    const count = options.members ?? 6;
    const useWebSocket = options.websocket ?? options.httpPort !== undefined;
    const recorder = new Recorder();
    const endpoints = options.endpoints ?? [
      { port: options.port, httpPort: options.httpPort ?? 0 },
    ];
    const targets: SoakTarget[] = endpoints.map(({ port, httpPort }) => ({
      host: '127.0.0.1',
      port,
      httpPort,
      delivered(latencyUs) {
        recorder.received += 1;
        if (latencyUs !== undefined) recorder.phase.record(latencyUs);
      },
      refused: (code) => recorder.refusals.push(code),
    }));
    const members: SoakClient[] = [];
    for (let index = 0; index < count; index += 1) {
      const wire: StreamWire = useWebSocket && index === count - 1 ? 'websocket' : 'tcp';
      const target = targets[index % targets.length] as SoakTarget;
      const member = await SoakClient.open(wire, target, `control${index}`);
      await member.join(room);
      members.push(member);
    }
    const udpMembers = options.udp === false ? [] : members.slice(0, 2);
    for (const member of udpMembers) await member.bindUdp();
    const group = new ControlGroup(members, udpMembers, recorder);
    group.#timer = setInterval(() => group.#tick(), 1000 / (options.hz ?? 20));
    return group;
  }

  /** Latency since the last mark (or the start), in microseconds; starts a new phase. */
  mark(): LatencySummary {
    const summary = this.recorder.phase.summary();
    this.recorder.phase = new Histogram();
    return summary;
  }

  /** Runs `ms` of control traffic alone and returns its latency: the baseline. */
  async baseline(ms = 1000): Promise<LatencySummary> {
    this.mark();
    await sleep(ms);
    return this.mark();
  }

  /** Stops sending, waits (up to `drainMs`) for what is in flight, and reports. */
  async stop(drainMs = 5000): Promise<ControlReport> {
    clearInterval(this.#timer);
    const deadline = Date.now() + drainMs;
    while (this.#due() > 0 && Date.now() < deadline) await sleep(20);
    return this.report();
  }

  /** What was sent and received so far. */
  report(): ControlReport {
    let disorder = 0;
    for (const member of this.members) {
      disorder += member.check.gaps + member.check.duplicates;
      disorder += member.udpCheck.gaps + member.udpCheck.duplicates;
    }
    return {
      sent: this.members.reduce((sum, member) => sum + member.sent, 0),
      received: this.recorder.received,
      lost: undelivered(this.members, 'stream'),
      disorder,
      udpSent: this.udpMembers.reduce((sum, member) => sum + member.sentUdp, 0),
      udpLost: undelivered(this.udpMembers, 'udp'),
      dropped: this.members.filter((member) => member.closed).length,
      refusals: [...this.recorder.refusals],
    };
  }

  /** Closes every member (idempotent). */
  close(): void {
    clearInterval(this.#timer);
    for (const member of this.members) if (!member.closed) member.quit();
  }

  #tick(): void {
    for (const member of this.members) member.send(`3:0:${sequencedPayload(member.sent++)}\n`);
    for (const member of this.udpMembers) {
      member.sendDatagram(`${member.id}:3:0:${sequencedPayload(member.sentUdp++)}`);
    }
  }

  #due(): number {
    return undelivered(this.members, 'stream') + undelivered(this.udpMembers, 'udp');
  }
}

/** Generous: the machine is small and shared, so only a blow-up counts. */
export const LATENCY_FLOOR_MS = 250;

/**
 * Asserts the control group lost nothing, kept every member, heard no refusal, and that its p99
 * latency during the attack stayed under max(10 x the baseline's p99, 250 ms).
 */
export function assertUnharmed(
  report: ControlReport,
  baseline: LatencySummary,
  attack: LatencySummary,
): void {
  const facts = JSON.stringify({ report, baseline, attack });
  assert.ok(report.sent > 0 && attack.count > 0, `the control group ran: ${facts}`);
  assert.equal(report.lost, 0, `control messages lost: ${facts}`);
  assert.equal(report.disorder, 0, `control messages out of order: ${facts}`);
  assert.equal(report.udpLost, 0, `control datagrams lost: ${facts}`);
  assert.equal(report.dropped, 0, `control members dropped: ${facts}`);
  assert.deepEqual(report.refusals, [], `control members refused: ${facts}`);
  const boundUs = Math.max(10 * baseline.p99, LATENCY_FLOOR_MS * 1000);
  assert.ok(attack.p99 <= boundUs, `control p99 ${attack.p99} us > ${boundUs} us: ${facts}`);
}

/**
 * Starts a control group on `server` (or spread over several, the nodes of a cluster), measures
 * its baseline alone, runs `attack` beside it, and asserts with {@link assertUnharmed} that the
 * attack cost it nothing. Returns what `attack` did.
 */
export async function besideControlGroup<T>(
  server: Endpoint | readonly Endpoint[],
  attack: (group: ControlGroup) => Promise<T>,
  options: Partial<ControlGroupOptions> = {},
): Promise<T> {
  const endpoints = 'port' in server ? [server] : server;
  const first = endpoints[0] as Endpoint;
  const group = await ControlGroup.start({
    port: first.port,
    httpPort: first.httpPort,
    endpoints,
    ...options,
  });
  try {
    const baseline = await group.baseline(800);
    const started = Date.now();
    const result = await attack(group);
    // Long enough beside the attack for the latency to mean something.
    await sleep(500 - (Date.now() - started));
    const during = group.mark();
    assertUnharmed(await group.stop(), baseline, during);
    return result;
  } finally {
    group.close();
  }
}
