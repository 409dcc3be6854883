/** Bounds on password hashing (issue #15, item 11). */
export interface HashingLimits {
  /** Hashes computed at once. */
  readonly maxConcurrent: number;
  /** Hashes waiting, all IPs together. */
  readonly maxQueued: number;
  /** Hashes waiting or running for one IP. */
  readonly maxQueuedPerIp: number;
}

/** The defaults of the configuration (src/config/defaults.ts), for authenticators built without one. */
export const DEFAULT_HASHING_LIMITS: HashingLimits = {
  maxConcurrent: 2,
  maxQueued: 64,
  maxQueuedPerIp: 8,
};

interface Job {
  readonly start: () => void;
  readonly refuse: () => void;
}

/**
 * Runs expensive work (scrypt) a few at a time, with the waiting jobs queued per IP and the IPs
 * served in turn, and no IP running more than half of the slots while another waits, so that
 * one IP's flood of guesses never delays another IP's login: it starts at once. Work that cannot wait fails at once (resolves `undefined`): past the
 * per-IP bound, or when the queue is full and the newcomer's IP already has the most waiting
 * (otherwise the newest job of the IP with the most waiting makes room).
 */
export class HashingGate {
  readonly #limits: HashingLimits;
  /** Waiting jobs by IP, in the order the IPs are to be served. */
  readonly #waiting = new Map<string, Job[]>();
  /** Jobs waiting or running, by IP. */
  readonly #perIp = new Map<string, number>();
  /** Jobs running, by IP. */
  readonly #runningPerIp = new Map<string, number>();
  readonly #maxRunningPerIp: number;
  #queued = 0;
  #running = 0;
  #refused = 0;

  constructor(limits: HashingLimits = DEFAULT_HASHING_LIMITS) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < 1) {
        throw new TypeError(`${name} must be a positive integer, got ${String(value)}`);
      }
    }
    this.#limits = limits;
    this.#maxRunningPerIp = Math.max(1, Math.floor(limits.maxConcurrent / 2));
  }

  /** Jobs refused so far without being run. */
  get refused(): number {
    return this.#refused;
  }

  /** Runs `work` for `ip` when its turn comes; resolves `undefined` if it was refused instead. */
  run<T>(ip: string, work: () => Promise<T>): Promise<T | undefined> {
    const fromIp = this.#perIp.get(ip) ?? 0;
    if (fromIp >= this.#limits.maxQueuedPerIp || !this.#roomFor(ip)) {
      this.#refused += 1;
      return Promise.resolve(undefined);
    }
    this.#perIp.set(ip, fromIp + 1);
    return new Promise<T | undefined>((resolve, reject) => {
      const job: Job = {
        start: () => {
          this.#running += 1;
          this.#runningPerIp.set(ip, (this.#runningPerIp.get(ip) ?? 0) + 1);
          work()
            .then(resolve, reject)
            .finally(() => this.#finished(ip));
        },
        refuse: () => {
          this.#refused += 1;
          this.#forget(ip);
          resolve(undefined);
        },
      };
      const queue = this.#waiting.get(ip);
      if (queue === undefined) this.#waiting.set(ip, [job]);
      else queue.push(job);
      this.#queued += 1;
      this.#next();
    });
  }

  /** Whether a job of `ip` may wait, making room by refusing another IP's newest if needed. */
  #roomFor(ip: string): boolean {
    if (this.#queued < this.#limits.maxQueued) return true;
    let busiest: Job[] | undefined;
    for (const queue of this.#waiting.values()) {
      if (busiest === undefined || queue.length > busiest.length) busiest = queue;
    }
    const own = this.#waiting.get(ip)?.length ?? 0;
    if (busiest === undefined || busiest.length <= Math.max(1, own)) return false;
    this.#queued -= 1;
    (busiest.pop() as Job).refuse();
    return true;
  }

  #finished(ip: string): void {
    this.#running -= 1;
    const running = (this.#runningPerIp.get(ip) ?? 1) - 1;
    if (running === 0) this.#runningPerIp.delete(ip);
    else this.#runningPerIp.set(ip, running);
    this.#forget(ip);
    this.#next();
  }

  #forget(ip: string): void {
    const left = (this.#perIp.get(ip) ?? 1) - 1;
    if (left === 0) this.#perIp.delete(ip);
    else this.#perIp.set(ip, left);
  }

  /** Starts what may start: the first IP in turn under its share gives one and goes to the back. */
  #next(): void {
    while (this.#running < this.#limits.maxConcurrent && this.#queued > 0) {
      let next: [string, Job[]] | undefined;
      for (const entry of this.#waiting) {
        if ((this.#runningPerIp.get(entry[0]) ?? 0) < this.#maxRunningPerIp) {
          next = entry;
          break;
        }
      }
      if (next === undefined) return;
      const [ip, queue] = next;
      this.#waiting.delete(ip);
      const job = queue.shift() as Job;
      if (queue.length > 0) this.#waiting.set(ip, queue);
      this.#queued -= 1;
      job.start();
    }
  }
}
