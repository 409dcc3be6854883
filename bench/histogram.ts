/**
 * A small HDR-like latency histogram: exact below 128, then 64 log-linear buckets per power of
 * two (at most 1/64 = 1.6% relative error). Values are whole microseconds; the histograms of
 * several workers merge exactly, since they share one bucket layout.
 */

const SUB_BITS = 6;
const SUB = 1 << SUB_BITS; // 64
const EXACT = SUB * 2; // values below 128 get their own bucket
const MAX_VALUE = 2 ** 31 - 1; // about 36 minutes in microseconds
const BUCKETS = indexOf(MAX_VALUE) + 1;

function indexOf(value: number): number {
  if (value < EXACT) return value;
  const exponent = 31 - Math.clz32(value);
  const shift = exponent - SUB_BITS;
  return SUB * shift + (value >>> shift);
}

/** The highest value that falls into bucket `index`. */
function highestIn(index: number): number {
  if (index < EXACT) return index;
  const shift = Math.floor(index / SUB) - 1;
  const mantissa = index - SUB * shift;
  return (mantissa + 1) * 2 ** shift - 1;
}

/** A histogram as sent over IPC: sparse `[bucket, count]` pairs plus exact extremes. */
export interface HistogramData {
  readonly buckets: readonly (readonly [number, number])[];
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

/** Percentiles of a histogram, in microseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export class Histogram {
  #counts = new Float64Array(BUCKETS);
  count = 0;
  sum = 0;
  min = Infinity;
  max = 0;

  /** Records one value (negative values count as 0, huge ones are clamped). */
  record(value: number): void {
    let v = Math.floor(value);
    if (!(v > 0)) v = 0;
    else if (v > MAX_VALUE) v = MAX_VALUE;
    const index = indexOf(v);
    this.#counts[index] = (this.#counts[index] ?? 0) + 1;
    this.count += 1;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** The smallest recorded-bucket value at or below which a fraction `q` of values lie. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let index = 0; index < BUCKETS; index += 1) {
      seen += this.#counts[index] ?? 0;
      if (seen >= rank) return Math.min(highestIn(index), this.max);
    }
    return this.max;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      mean: this.count === 0 ? 0 : Math.round(this.sum / this.count),
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      p999: this.quantile(0.999),
      max: this.count === 0 ? 0 : this.max,
    };
  }

  toData(): HistogramData {
    const buckets: [number, number][] = [];
    this.#counts.forEach((count, index) => {
      if (count > 0) buckets.push([index, count]);
    });
    return { buckets, count: this.count, sum: this.sum, min: this.min, max: this.max };
  }

  /** Adds another histogram's values (from any worker) into this one. */
  merge(data: HistogramData): this {
    for (const [index, count] of data.buckets) {
      this.#counts[index] = (this.#counts[index] ?? 0) + count;
    }
    this.count += data.count;
    this.sum += data.sum;
    if (data.count > 0) {
      this.min = Math.min(this.min, data.min);
      this.max = Math.max(this.max, data.max);
    }
    return this;
  }

  static from(data: readonly HistogramData[]): Histogram {
    const histogram = new Histogram();
    for (const one of data) histogram.merge(one);
    return histogram;
  }
}
