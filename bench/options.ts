/** The load generator's command line: `npm run bench -- <workload> [flags]`. */
import { parseArgs } from 'node:util';
import { SERVER_KINDS, type ServerKind } from './report.js';
import { WORKLOADS, type Pacing, type Workload } from './types.js';

export const USAGE = `Usage: npm run bench -- <workload> [flags]

Drives a Roomwire server (a separate process, pinned to core 0) from worker processes
(pinned to core 1) over 127.0.0.1, and prints one JSON line per server run plus a table.

Workloads:
  chatter    R rooms of K clients, each sending 3:0 messages of S bytes at F Hz
  saturate   one room of K clients, each keeping W 3:1 messages in flight (its own echo acks)
  connect    C clients connect, log in and join rooms of 10 at a rate, then each sends one
             message whose delivery to every room-mate is verified
  udp        chatter over UDP after binding (losses are counted, not hidden)
  vr         R rooms of K (8) clients, each sending a pose of S (100) bytes over UDP at F
             (72) Hz, <id>:3:0:..., bound as the Unity client does, and an ordered TCP
             event (3:3:) at --event-hz (2) Hz; UDP losses are counted, not hidden
  curve      a series of runs of growing size: see npm run bench -- curve --help

Flags (defaults in brackets):
  --rooms R          rooms, chatter, udp and vr [50; vr 25]
  --clients K        clients per room (chatter, udp) [10], (vr) [8], in the room (saturate) [8],
                     or in total (connect) [10000]
  --room-size N      connect: clients per room [10]
  --size S           payload bytes, at least the 16-digit send time [64; vr 100]
  --hz F             messages per second per client, chatter and udp [20]; vr poses [72]
  --event-hz F       vr: ordered TCP events per second per client [2]
  --pacing P         phase: each client sends on its own clock at a random phase, as
                     clients on separate machines do; tick: the old pacing, phases spread
                     evenly in room order, so a room's members send back to back [phase]
  --window W         messages in flight per client, saturate [16]
  --ack N            TCP clients acknowledge every N lines received (6:<received>, resume's
                     acknowledgement, as the client libraries do with 128); 0: never [0]
  --rate N           connect: new clients per second [2000]
  --duration S       measured seconds [10]
  --warmup S         seconds of load before measuring [2]
  --drain S          seconds to wait for late deliveries after the window [2]
  --workers N        generator processes [2]
  --transport T      tcp or ws: the clients' transport for chatter, saturate and connect;
                     ws connects to Roomwire's /ws and to the baseline's WebSocket port [tcp]
  --baseline         run the same workload against the bench's minimal relay first, then
                     Roomwire, and print Roomwire's figures as ratios to the baseline's;
                     the relay coalesces each socket's output per event-loop turn, as
                     Roomwire does (baseline-cork)
  --baseline-plain   the same with the relay's plain variant: one write per delivery
  --c-relay          the same with the bench's C relay (bench/c-relay.c, epoll, one thread,
                     per-turn output coalescing), compiled with cc; skipped with a note
                     when there is no C compiler
  --cluster          run Roomwire on one process first, then as a cluster of --nodes
                     processes sharing one Redis (--redis), each room's members spread
                     over the nodes, and print the cluster's figures as ratios to the
                     single process's; server CPU and memory are the nodes' plus Redis's
  --nodes N          cluster processes [2]
  --redis URL        the Redis the cluster uses [redis://127.0.0.1:6379]
  --socketio         run the same workload against the bench's Socket.IO relay first (clients
                     on socket.io-client, websocket transport only), then Roomwire over
                     WebSocket (/ws), and print Roomwire's figures as ratios to Socket.IO's;
                     chatter, saturate and connect; implies --transport ws
  --against REF      compare the working tree with another commit (a branch, tag, sha or
                     HEAD~1): REF is checked out into a temporary git worktree, linked to
                     this node_modules when package-lock.json is the same (else npm ci),
                     compiled with tsc, and both run the workload in alternating pairs
                     (REF first, then the working tree, then the other way round); the
                     ratios are the working tree's over REF's, with their medians.
                     With --server cluster both run as a cluster of --nodes (--redis).
                     Build the working tree first (npx tsc -p tsconfig.json)
  --keep-against     keep REF's built worktree (in the temp dir) for the next --against run
  --against-flags F  extra server flags for REF's side only, e.g. --against HEAD
                     "--against-flags=--resume-ttl-ms 0" measures one setting's cost
  --pairs N          alternating pairs of runs for a two-server comparison: --against [3],
                     --baseline, --cluster, --socketio [1]
  --baseline-cork    the same as --baseline (kept for old commands)
  --server NAME      roomwire, baseline, baseline-cork, c-relay, cluster or socketio: run
                     against one only [roomwire]
  --profile DIR      pass --cpu-prof --cpu-prof-dir=DIR to the server processes
  --node-flags F     extra Node.js flags for the Node server processes, split at spaces,
                     e.g. "--node-flags=--trace-gc" (with --server-log to keep its lines)
  --server-log FILE  keep the server's stdout (its JSON logs) in FILE [discarded]
  --log-level L      Roomwire's --log-level [info]
  --no-pin           do not pin processes to cores with taskset
  -h, --help         show this help

Examples:
  npm run bench -- chatter --baseline
  npm run bench -- saturate --clients 8 --size 64 --baseline
  npm run bench -- connect --clients 10000 --baseline
  npm run bench -- udp --rooms 50 --clients 10 --hz 20 --baseline
  npm run bench -- chatter --transport ws --baseline
  npm run bench -- chatter --rooms 50 --clients 10 --hz 20 --size 64 --socketio
  npm run bench -- chatter --cluster --nodes 2
  npm run bench -- chatter --against main
  npm run bench -- saturate --against HEAD~1 --pairs 5
`;

export interface BenchOptions {
  readonly workload: Workload;
  readonly rooms: number;
  readonly clients: number;
  readonly roomSize: number;
  readonly size: number;
  readonly hz: number;
  readonly eventHz: number;
  readonly pacing: Pacing;
  /** Lines between a client's acknowledgements (`6:<received>`); 0: none. */
  readonly ack: number;
  readonly window: number;
  readonly rate: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly drainS: number;
  readonly workers: number;
  readonly transport: BenchTransport;
  readonly servers: readonly ServerKind[];
  readonly nodes: number;
  readonly redisUrl: string;
  readonly profileDir: string | undefined;
  /** `--node-flags`: extra Node.js flags for the Node server processes. */
  readonly nodeFlags: readonly string[];
  readonly serverLog: string | undefined;
  readonly logLevel: string;
  readonly pin: boolean;
  /** `--against`: the git ref whose build is compared with the working tree. */
  readonly against: string | undefined;
  readonly keepAgainst: boolean;
  /** Extra server flags for the `--against` side only. */
  readonly againstFlags: readonly string[];
  /** `--against REF --server cluster`: both builds run as a cluster of `--nodes` nodes. */
  readonly againstCluster: boolean;
  /** Alternating pairs of runs when two servers are compared. */
  readonly pairs: number;
}

export type BenchTransport = 'tcp' | 'ws';

export class UsageError extends Error {}

function number(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = values[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got ${String(raw)}`);
  }
  return value;
}

/** Parses the flags; returns undefined for --help. Throws {@link UsageError} on bad input. */
export function parseOptions(argv: string[]): BenchOptions | undefined {
  const text = { type: 'string' } as const;
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      rooms: text,
      clients: text,
      'room-size': text,
      size: text,
      hz: text,
      'event-hz': text,
      pacing: text,
      ack: text,
      window: text,
      rate: text,
      duration: text,
      warmup: text,
      drain: text,
      workers: text,
      transport: text,
      baseline: { type: 'boolean' },
      'baseline-cork': { type: 'boolean' },
      'baseline-plain': { type: 'boolean' },
      'c-relay': { type: 'boolean' },
      socketio: { type: 'boolean' },
      cluster: { type: 'boolean' },
      nodes: text,
      redis: text,
      server: text,
      profile: text,
      'node-flags': text,
      'server-log': text,
      'log-level': text,
      'no-pin': { type: 'boolean' },
      against: text,
      'keep-against': { type: 'boolean' },
      'against-flags': text,
      pairs: text,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return undefined;
  const workload = positionals[0] as Workload | undefined;
  if (workload === undefined || !WORKLOADS.includes(workload) || positionals.length > 1) {
    throw new UsageError(`expected one workload of ${WORKLOADS.join(', ')}`);
  }
  const server = values.server ?? 'roomwire';
  if (!SERVER_KINDS.includes(server as ServerKind) || server === 'against') {
    throw new UsageError(
      '--server must be roomwire, baseline, baseline-cork, c-relay, cluster or socketio',
    );
  }
  const socketio = values.socketio === true || server === 'socketio';
  if (
    values.socketio === true &&
    (values.baseline === true ||
      values['baseline-cork'] === true ||
      values.cluster === true ||
      values.server !== undefined)
  ) {
    throw new UsageError('--socketio already runs Socket.IO and Roomwire: drop the rest');
  }
  if (values.cluster === true && (values.baseline === true || values.server !== undefined)) {
    throw new UsageError('--cluster runs Roomwire on one process and as a cluster: drop the rest');
  }
  const against = values.against;
  if (
    against !== undefined &&
    (values.baseline === true ||
      values['baseline-cork'] === true ||
      values.cluster === true ||
      values.socketio === true ||
      (values.server !== undefined && values.server !== 'cluster'))
  ) {
    throw new UsageError('--against compares two builds of Roomwire: drop the other comparison');
  }
  if (against !== undefined && against.trim() === '') {
    throw new UsageError('--against needs a git ref');
  }
  const baselines = (['baseline', 'baseline-cork', 'baseline-plain', 'c-relay'] as const).filter(
    (flag) => values[flag] === true,
  );
  if (baselines.length > 1 && !(baselines.length === 2 && baselines[0] === 'baseline')) {
    throw new UsageError('one baseline at a time: --baseline, --baseline-plain or --c-relay');
  }
  const baseline: ServerKind =
    values['baseline-plain'] === true
      ? 'baseline'
      : values['c-relay'] === true
        ? 'c-relay'
        : 'baseline-cork';
  const withBaseline = baselines.length > 0;
  if (withBaseline && values.server !== undefined) {
    throw new UsageError('--baseline already runs both servers: drop --server');
  }
  if (withBaseline && (values.cluster === true || values.socketio === true)) {
    throw new UsageError('--cluster and --socketio have their own reference: drop --baseline');
  }
  const pacing = values.pacing ?? 'phase';
  if (pacing !== 'phase' && pacing !== 'tick')
    throw new UsageError('--pacing must be phase or tick');
  if (socketio && (workload === 'udp' || workload === 'vr')) {
    throw new UsageError('the Socket.IO relay does not serve the udp workload');
  }
  const transport = values.transport ?? (socketio ? 'ws' : 'tcp');
  if (transport !== 'tcp' && transport !== 'ws')
    throw new UsageError('--transport must be tcp or ws');
  if (transport === 'ws' && (workload === 'udp' || workload === 'vr')) {
    throw new UsageError('--transport ws does not apply to the udp and vr workloads');
  }
  if (transport === 'ws' && (baseline === 'c-relay' || server === 'c-relay')) {
    throw new UsageError('the C relay speaks TCP and UDP only: drop --transport ws');
  }
  if (socketio && transport !== 'ws') {
    throw new UsageError('Socket.IO is compared with Roomwire over WebSocket: drop --transport');
  }
  const vr = workload === 'vr';
  const defaultClients = { chatter: 10, udp: 10, saturate: 8, connect: 10_000, vr: 8 }[workload];
  return {
    workload,
    rooms: number(values, 'rooms', vr ? 25 : 50, 1, 10_000),
    clients: number(values, 'clients', defaultClients, 1, 100_000),
    roomSize: number(values, 'room-size', 10, 1, 1000),
    size: number(values, 'size', vr ? 100 : 64, 1, 1_000_000),
    hz: number(values, 'hz', vr ? 72 : 20, 0.1, 10_000),
    eventHz: number(values, 'event-hz', 2, 0.1, 1000),
    pacing,
    ack: number(values, 'ack', 0, 0, 1_000_000),
    window: number(values, 'window', 16, 1, 10_000),
    rate: number(values, 'rate', 2000, 1, 1_000_000),
    durationS: number(values, 'duration', 10, 0.5, 3600),
    warmupS: number(values, 'warmup', 2, 0, 600),
    drainS: number(values, 'drain', 2, 0.1, 600),
    workers: number(values, 'workers', 2, 1, 64),
    transport,
    servers:
      against !== undefined
        ? ['against', server === 'cluster' ? 'cluster' : 'roomwire']
        : values.cluster === true
          ? ['roomwire', 'cluster']
          : withBaseline
            ? [baseline, 'roomwire']
            : values.socketio === true
              ? ['socketio', 'roomwire']
              : [server as ServerKind],
    nodes: number(values, 'nodes', 2, 1, 16),
    redisUrl: values.redis ?? 'redis://127.0.0.1:6379',
    profileDir: values.profile,
    nodeFlags: (values['node-flags'] ?? '').split(/\s+/).filter(Boolean),
    serverLog: values['server-log'],
    logLevel: values['log-level'] ?? 'info',
    pin: values['no-pin'] !== true,
    against,
    keepAgainst: values['keep-against'] === true,
    againstFlags: (values['against-flags'] ?? '').split(/\s+/).filter(Boolean),
    againstCluster: against !== undefined && server === 'cluster',
    pairs: number(values, 'pairs', against === undefined ? 1 : 3, 1, 50),
  };
}
