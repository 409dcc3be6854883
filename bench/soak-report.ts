/**
 * What the soak reads from the server process every interval (memory, heap, descriptors,
 * clients) and the verdict on memory at the end.
 */
import { readdirSync } from 'node:fs';
import { memoryKb } from './proc.js';

/** One row of the soak's table. */
export interface SoakSample {
  readonly atS: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
  readonly fds: number;
  readonly clients: number;
  readonly connections: number;
  readonly deliveredPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

/** Open file descriptors of a process (sockets included), or NaN once it is gone. */
export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

/** One value of Prometheus text without labels, or of the first series with these labels. */
function sample(text: string, name: string, labels = ''): number {
  const pattern = new RegExp(`^${name}${labels === '' ? '' : `\\{${labels}\\}`} (\\S+)$`, 'm');
  return Number(pattern.exec(text)?.[1] ?? Number.NaN);
}

/** Heap, clients and connections from the admin `/metrics` endpoint. */
export async function serverGauges(
  host: string,
  httpPort: number,
): Promise<{ heapMiB: number; clients: number; connections: number }> {
  try {
    const response = await fetch(`http://${host}:${httpPort}/metrics`, {
      signal: AbortSignal.timeout(5000),
    });
    const text = await response.text();
    return {
      heapMiB: sample(text, 'nodejs_heap_size_used_bytes') / 2 ** 20,
      clients: sample(text, 'roomwire_clients'),
      connections:
        sample(text, 'roomwire_connections', 'transport="tcp"') +
        sample(text, 'roomwire_connections', 'transport="websocket"'),
    };
  } catch {
    return { heapMiB: Number.NaN, clients: Number.NaN, connections: Number.NaN };
  }
}

export function rssMiB(pid: number): number {
  return memoryKb(pid).rssKb / 1024;
}

const COLUMNS = [
  ['atS', 't(s)'],
  ['rssMiB', 'rss MiB'],
  ['heapMiB', 'heap MiB'],
  ['fds', 'fds'],
  ['clients', 'clients'],
  ['connections', 'conns'],
  ['deliveredPerS', 'deliv/s'],
  ['p50Ms', 'p50 ms'],
  ['p99Ms', 'p99 ms'],
  ['errors', 'errors'],
] as const;

export function tableHeader(): string {
  return COLUMNS.map(([, title]) => title.padStart(9)).join(' ');
}

export function tableRow(row: SoakSample): string {
  return COLUMNS.map(([key]) => {
    const value = row[key];
    const text = Number.isInteger(value) ? String(value) : value.toFixed(2);
    return text.padStart(9);
  }).join(' ');
}

/** How one series moved over the run, after warm-up. */
export interface Trend {
  /** What is compared: the mean (RSS) or the minimum (heap) of each half. */
  readonly by: 'mean' | 'min';
  readonly firstHalf: number;
  readonly lastHalf: number;
  /** Least-squares slope, per minute. */
  readonly slopePerMin: number;
  readonly flat: boolean;
}

/**
 * Compares the last half of `values` with the first half, by mean or by minimum. Flat means it
 * grew by less than `tolerance` (a fraction of the first half's figure) or `floor` (absolute),
 * whichever is larger: a real leak under steady load keeps growing, allocator noise does not.
 * The heap is compared by its minimum: the used heap includes garbage until V8's next major
 * collection, minutes apart under a light load, so its troughs are what is really held.
 */
export function trend(
  times: readonly number[],
  values: readonly number[],
  options: { readonly by: 'mean' | 'min'; readonly tolerance: number; readonly floor: number },
): Trend | undefined {
  if (values.length < 4) return undefined;
  const half = Math.floor(values.length / 2);
  const mean = (list: readonly number[]): number =>
    list.reduce((sum, value) => sum + value, 0) / list.length;
  const figure = (list: readonly number[]): number =>
    options.by === 'mean' ? mean(list) : Math.min(...list);
  const firstHalf = figure(values.slice(0, half));
  const lastHalf = figure(values.slice(values.length - half));
  const meanT = mean(times);
  const meanV = mean(values);
  let numerator = 0;
  let denominator = 0;
  times.forEach((time, index) => {
    numerator += (time - meanT) * ((values[index] ?? 0) - meanV);
    denominator += (time - meanT) ** 2;
  });
  const slopePerMin = denominator === 0 ? 0 : (numerator / denominator) * 60;
  const flat = lastHalf - firstHalf <= Math.max(options.tolerance * firstHalf, options.floor);
  return { by: options.by, firstHalf, lastHalf, slopePerMin, flat };
}
