/**
 * The processes of a bench run: the server under test and the generator's workers, each pinned
 * to its core, their CPU readings, and how they are stopped (always, even on errors).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchOptions } from './options.js';
import { C_RELAY_BINARY } from './c-relay.js';
import { cpuSeconds, machineBusySeconds } from './proc.js';
import type { ServerKind } from './report.js';
import type { FromWorker, ToWorker, WorkerPlan } from './types.js';

export const HOST = '127.0.0.1';
const ROOMWIRE_SCRIPT = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const BASELINE_SCRIPT = fileURLToPath(new URL('./baseline-relay.js', import.meta.url));
const SOCKETIO_SCRIPT = fileURLToPath(new URL('./socketio-relay.js', import.meta.url));
const WORKER_SCRIPT = fileURLToPath(new URL('./worker.js', import.meta.url));

/** `--against`: the other commit's CLI, started for the server kind `against`. */
let againstScript: string | undefined;

export function setAgainstScript(script: string): void {
  againstScript = script;
}

/** Every child still running, so that any exit path can kill them. */
const live = new Set<ChildProcess>();

export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}

export function log(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

function pinned(pin: boolean, core: number, command: string[]): [string, string[]] {
  const [file, ...args] = command as [string, ...string[]];
  return pin ? ['taskset', ['-c', String(core), file, ...args]] : [file, args];
}

/** How the clients reach a server of `kind`: Socket.IO for the Socket.IO relay, else `--transport`. */
export function clientTransport(
  kind: ServerKind,
  options: Pick<BenchOptions, 'transport'>,
): WorkerPlan['transport'] {
  return kind === 'socketio' ? 'socketio' : options.transport;
}

/** The ports a server under test listens on: TCP and UDP, and HTTP for the WebSocket. */
export interface ServerPorts {
  readonly port: number;
  readonly httpPort: number;
}

/** The command-line arguments of one server process of `kind` (after the script's path). */
export function serverArgs(
  kind: ServerKind,
  { port, httpPort }: ServerPorts,
  options: Pick<BenchOptions, 'logLevel' | 'transport' | 'redisUrl' | 'workload'> &
    Partial<Pick<BenchOptions, 'againstFlags' | 'againstCluster'>>,
  clusterPrefix: string,
): string[] {
  const args = ['--host', HOST, '--port', String(port)];
  if (kind === 'roomwire' || kind === 'cluster' || kind === 'against') {
    args.push('--log-level', options.logLevel, '--http-port', String(httpPort));
    if (kind === 'cluster' || (kind === 'against' && options.againstCluster === true)) {
      args.push('--cluster', options.redisUrl, '--cluster-prefix', clusterPrefix);
    }
    // Limits stay on while measuring. `saturate` is a closed-loop flood (about 50,000 lines a
    // second per client here, over the default rate limit): its bucket is raised, not removed.
    if (options.workload === 'saturate') {
      args.push('--rate-limit-per-second', '1000000', '--rate-limit-burst', '2000000');
      // The byte bucket (issue 15) is raised through the environment (serverEnv), which a
      // commit older than the setting ignores, so that --against still runs those commits.
    }
    if (kind === 'against') args.push(...(options.againstFlags ?? []));
    return args;
  }
  // The Socket.IO relay serves its WebSocket (and nothing else) on --port; the C relay, TCP
  // and UDP on --port.
  if (kind === 'socketio' || kind === 'c-relay') return args;
  if (options.transport === 'ws') args.push('--ws-port', String(httpPort));
  if (kind === 'baseline-cork') args.push('--cork');
  return args;
}

/** Settings given through the environment: those a Roomwire of any commit may safely not know. */
export function serverEnv(options: Pick<BenchOptions, 'workload'>): Record<string, string> {
  if (options.workload !== 'saturate') return {};
  return {
    ROOMWIRE_BYTE_RATE_LIMIT_PER_SECOND: '1000000000',
    ROOMWIRE_BYTE_RATE_LIMIT_BURST: '2000000000',
  };
}

function serverScript(kind: ServerKind): string {
  switch (kind) {
    case 'roomwire':
    case 'cluster':
      return ROOMWIRE_SCRIPT;
    case 'against':
      if (againstScript === undefined) throw new Error('--against: no build to start');
      return againstScript;
    case 'socketio':
      return SOCKETIO_SCRIPT;
    case 'c-relay':
      return C_RELAY_BINARY;
    case 'baseline':
    case 'baseline-cork':
      return BASELINE_SCRIPT;
  }
}

/**
 * Starts one server process of `kind`. A `cluster` node is Roomwire with the cluster options:
 * every node of one run shares the Redis and the key prefix `cluster`.
 */
export function startServer(
  kind: ServerKind,
  { port, httpPort }: ServerPorts,
  options: BenchOptions,
  pin: boolean,
  clusterPrefix = '',
): ChildProcess {
  const nodeFlags: string[] = [...options.nodeFlags];
  if (options.profileDir !== undefined) {
    mkdirSync(options.profileDir, { recursive: true });
    nodeFlags.push(
      '--cpu-prof',
      `--cpu-prof-dir=${options.profileDir}`,
      `--cpu-prof-name=${kind}-${options.workload}-${Date.now()}.cpuprofile`,
    );
  }
  const args = serverArgs(kind, { port, httpPort }, options, clusterPrefix);
  const command =
    kind === 'c-relay'
      ? [serverScript(kind), ...args]
      : [process.execPath, ...nodeFlags, serverScript(kind), ...args];
  const [file, argv] = pinned(pin, 0, command);
  const logFd = openSync(options.serverLog ?? '/dev/null', 'a');
  const env = { ...process.env, ...serverEnv(options) };
  const child = spawn(file, argv, { stdio: ['ignore', logFd, 'pipe'], env });
  closeSync(logFd);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  child.on('exit', (code, signal) => {
    live.delete(child);
    if (code !== 0 && signal === null) log(`${kind} server exited with ${code}: ${stderr}`);
  });
  live.add(child);
  return child;
}

/** Forked workers with a promise-based request/answer over IPC, bounded by a timeout. */
export class Workers {
  readonly children: ChildProcess[] = [];
  readonly started: Promise<unknown>;
  constructor(count: number, pin: boolean) {
    for (let index = 0; index < count; index += 1) {
      const child = fork(WORKER_SCRIPT, [], {
        execPath: pin ? 'taskset' : process.execPath,
        execArgv: pin ? ['-c', '1', process.execPath] : [],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.on('exit', () => live.delete(child));
      live.add(child);
      this.children.push(child);
    }
    this.started = Promise.all(
      this.children.map(
        (child, index) =>
          new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`worker ${index} did not start`)),
              30_000,
            );
            child.once('message', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }

  /** Sends each worker its message and waits for an answer of `type` from all of them. */
  ask<T extends FromWorker['type']>(
    messages: ToWorker[],
    type: T,
    timeoutMs: number,
  ): Promise<Extract<FromWorker, { type: T }>[]> {
    return Promise.all(
      this.children.map(
        (child, index) =>
          new Promise<Extract<FromWorker, { type: T }>>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`worker ${index}: no ${type} within ${timeoutMs} ms`)),
              timeoutMs,
            );
            const onMessage = (message: FromWorker): void => {
              if (message.type === 'fatal')
                reject(new Error(`worker ${index}: ${message.message}`));
              else if (message.type !== type) return;
              else resolve(message as Extract<FromWorker, { type: T }>);
              clearTimeout(timer);
              child.off('message', onMessage);
            };
            child.on('message', onMessage);
            child.once('exit', () => reject(new Error(`worker ${index} exited`)));
            child.send(messages[index] ?? messages[0] ?? { type: 'report' });
          }),
      ),
    );
  }

  broadcast(message: ToWorker): void {
    for (const child of this.children) if (child.connected) child.send(message);
  }

  cpuSeconds(): number {
    return this.children.reduce((total, child) => total + cpuSeconds(child.pid ?? -1), 0);
  }
}

/** CPU seconds so far: the server, the generator's workers, this process, the whole machine. */
interface CpuSnapshot {
  readonly server: number;
  readonly generator: number;
  readonly self: number;
  readonly machine: number;
}

/** `pids`: every process of the server under test (a cluster's nodes and its Redis). */
export function snapshot(pids: readonly number[], workers: Workers): CpuSnapshot {
  const self = process.cpuUsage();
  return {
    server: pids.reduce((total, pid) => total + cpuSeconds(pid), 0),
    generator: workers.cpuSeconds(),
    self: (self.user + self.system) / 1e6,
    machine: machineBusySeconds(),
  };
}

export function cpuDelta(
  from: CpuSnapshot,
  to: CpuSnapshot,
): { server: number; generator: number; other: number } {
  const server = to.server - from.server;
  const generator = to.generator - from.generator;
  const other = to.machine - from.machine - server - generator - (to.self - from.self);
  return { server, generator, other: Math.max(0, other) };
}

export async function stop(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  await Promise.race([exited, sleep(graceMs)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.race([exited, sleep(1000)]);
}
