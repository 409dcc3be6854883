/** The messages between the orchestrator (`run.ts`) and its worker processes (`worker.ts`). */
import type { HistogramData } from './histogram.js';

export const WORKLOADS = ['chatter', 'saturate', 'connect', 'udp', 'vr'] as const;
export type Workload = (typeof WORKLOADS)[number];

export type Pacing = 'phase' | 'tick';

/** One room's share in one worker: `count` of its `size` members live in this worker. */
export interface RoomShare {
  readonly room: string;
  readonly count: number;
  readonly size: number;
}

/** Where one server process of the run listens. */
export interface BenchNode {
  readonly port: number;
  readonly wsUrl: string;
}

/** What a worker is told to set up. */
export interface WorkerPlan {
  readonly workload: Workload;
  readonly host: string;
  /** One entry per server process; a room's members are spread over them in turn. */
  readonly nodes: readonly BenchNode[];
  /** tcp; ws: a WebSocket to the node's `wsUrl`; socketio: socket.io-client to its `port`. */
  readonly transport: 'tcp' | 'ws' | 'socketio';
  readonly rooms: readonly RoomShare[];
  /** Message relay mode: 0 (others) or 1 (all). */
  readonly mode: number;
  readonly size: number;
  /** Messages per second per client (chatter, udp; vr: the UDP poses). */
  readonly hz: number;
  /** vr: ordered TCP events (3:3) per second per client. */
  readonly eventHz: number;
  /** How paced clients spread their sends: `phase` (random, per client) or `tick` (old). */
  readonly pacing: Pacing;
  /** Lines between a client's acknowledgements (`6:<received>`); 0: none. */
  readonly ack: number;
  /** Messages in flight per client (saturate). */
  readonly window: number;
  /** New connections per second, for this worker. */
  readonly connectRate: number;
  /** Handshakes (connect, login, join) in progress at once, for this worker. */
  readonly maxPending: number;
  readonly setupTimeoutMs: number;
  /** A prefix making usernames unique across workers. */
  readonly namePrefix: string;
}

/** The measured window, in absolute microseconds (see `nowUs`). */
export interface RunWindow {
  readonly startUs: number;
  readonly measureStartUs: number;
  readonly measureEndUs: number;
}

/** Counters and histograms a worker reports; the orchestrator adds them up. */
export interface WorkerStats {
  readonly clients: number;
  /** Messages sent with a send time inside the measured window. */
  readonly sent: number;
  /** Deliveries those messages should make (recipients per message, summed). */
  readonly expected: number;
  /** Deliveries received of messages sent inside the window. */
  readonly received: number;
  readonly sentTotal: number;
  readonly receivedTotal: number;
  /** The part of `expected` and `received` sent over UDP (udp, vr). */
  readonly udpExpected: number;
  readonly udpReceived: number;
  /** Sends the scheduler skipped because it fell more than 100 ms behind. */
  readonly skipped: number;
  /** Clients that received every message they should have (connect). */
  readonly verified: number;
  readonly latency: HistogramData;
  readonly errors: Record<string, number>;
}

/** A worker's answer once its clients are connected, logged in and joined. */
export interface SetupReport {
  readonly joined: number;
  readonly failed: number;
  readonly udpBound: number;
  /** From the start of each connect to the client's own join line. */
  readonly joinLatency: HistogramData;
  readonly errors: Record<string, number>;
}

export type ToWorker =
  | { readonly type: 'setup'; readonly plan: WorkerPlan }
  | { readonly type: 'run'; readonly window: RunWindow }
  | { readonly type: 'report' }
  | { readonly type: 'close' };

export type FromWorker =
  | { readonly type: 'hello' }
  | { readonly type: 'ready'; readonly setup: SetupReport }
  | { readonly type: 'stats'; readonly stats: WorkerStats }
  | { readonly type: 'fatal'; readonly message: string };
