/**
 * What the orchestrator reads from the machine: process CPU and memory from `/proc`, free ports,
 * the CPU model, the commit, and whether `taskset` can pin processes to cores.
 */
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';

function run(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`, almost always 100). */
export const CLOCK_TICKS = Number(run('getconf', ['CLK_TCK']) ?? 100) || 100;

/** CPU seconds (user + system) a process has used so far, or NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last `)`.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds every core of the machine has been busy so far (all processes, kernel included). */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    const busy = ticks
      .slice(0, 8)
      .reduce((sum, value, index) => (index === 3 || index === 4 ? sum : sum + value), 0);
    return busy / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory of a process, in KiB: now (`VmRSS`) and its peak (`VmHWM`). */
export function memoryKb(pid: number): { rssKb: number; peakKb: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssKb: field('VmRSS'), peakKb: field('VmHWM') };
  } catch {
    return { rssKb: Number.NaN, peakKb: Number.NaN };
  }
}

/** A port free for both TCP and UDP on `host` (the server binds both to one number). */
export async function freePort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, host, () => {
        const { port: bound } = server.address() as net.AddressInfo;
        server.close(() => resolve(bound));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = dgram.createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, host, () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port found for both TCP and UDP');
}

/** Resolves once something accepts TCP connections on the port; rejects after `timeoutMs`. */
export async function waitForListen(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
}

/** True when `taskset` exists and there are at least two cores to pin to. */
export function canPin(): boolean {
  return os.availableParallelism() >= 2 && run('taskset', ['-V']) !== undefined;
}

/** The soft open-files limit of this process (`ulimit -n`), from /proc; Infinity if unknown. */
export function openFilesLimit(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
    return soft === undefined || soft === 'unlimited' ? Infinity : Number(soft);
  } catch {
    return Infinity;
  }
}

/** What every result records about where it was measured. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly commit: string;
  readonly date: string;
  readonly os: string;
}

export function machineInfo(): MachineInfo {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
    if (model !== undefined) cpu = model.trim();
  } catch {
    // keep os.cpus()'s answer
  }
  const commit = run('git', ['rev-parse', '--short', 'HEAD']) ?? 'uncommitted';
  const dirty = commit !== 'uncommitted' && run('git', ['status', '--porcelain']) !== '';
  return {
    cpu,
    cores: os.availableParallelism(),
    node: process.version,
    commit: dirty ? `${commit}+dirty` : commit,
    date: new Date().toISOString(),
    os: `${os.type()} ${os.release()}`,
  };
}

/** The summed memory of several processes (a cluster's nodes); peaks are summed as well. */
export function totalMemoryKb(pids: readonly number[]): { rssKb: number; peakKb: number } {
  let rssKb = 0;
  let peakKb = 0;
  for (const pid of pids) {
    const memory = memoryKb(pid);
    rssKb += memory.rssKb;
    peakKb += memory.peakKb;
  }
  return { rssKb, peakKb };
}

/**
 * The process id of the Redis server at `url` (from `INFO server`), if it runs on this machine,
 * so that its CPU counts as the cluster's; undefined when it cannot be asked.
 */
export function redisPid(url: string): Promise<number | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    let text = '';
    const done = (pid: number | undefined): void => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(2000, () => done(undefined));
    socket.on('error', () => done(undefined));
    socket.on('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const match = /process_id:(\d+)/.exec(text);
      if (match !== null) done(Number(match[1]));
    });
  });
}

/** Sends one inline command to the Redis at `host:port` and resolves with the raw reply text. */
function redisAsk(host: string, port: number, command: string, complete: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let text = '';
    const done = (): void => {
      socket.destroy();
      resolve(text);
    };
    socket.setTimeout(2000, done);
    socket.on('error', done);
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (complete.test(text)) done();
    });
  });
}

/**
 * Every Redis process behind `url` that runs on this machine: the one server, or each node of
 * a Redis Cluster (from `CLUSTER NODES`), so that their CPU counts as the cluster's.
 */
export async function redisPids(url: string): Promise<number[]> {
  const { hostname, port } = new URL(url);
  const nodes = await redisAsk(hostname, Number(port || 6379), 'CLUSTER NODES', /^-.*\r\n|\r\n$/);
  const addresses = [...nodes.matchAll(/^\S+ ([\d.]+):(\d+)@/gm)].map(
    (match) => `redis://${match[1]}:${match[2]}`,
  );
  const pids = await Promise.all((addresses.length > 0 ? addresses : [url]).map(redisPid));
  return pids.filter((pid): pid is number => pid !== undefined);
}
