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

/** How long an IP whose login failed (a wrong password or an unknown user) waits behind clean IPs. */
const SUSPECT_FOR_MS = 10 * 60_000;
/** IPs remembered as suspect at once; past it the oldest is forgotten (about 100 bytes each). */
const MAX_SUSPECTS = 10_000;

interface Job {
  readonly start: (suspect: boolean) => void;
  readonly refuse: () => void;
}

/**
 * Runs expensive work (scrypt) a few at a time, with the waiting jobs queued per IP and the IPs
 * served in turn, and no IP running more than half of the slots while another waits, so that
 * one IP's flood of guesses never delays another IP's login: it starts at once.
 *
 * IPs whose logins failed lately are suspects: a wrong password or an unknown user (reported
 * with {@link HashingGate.failed}), or a login refused here for want of room (a real user sends
 * one login at a time, a guesser many). Suspects are served only when no clean IP waits, hold
 * together no more slots than one IP may (half), and a clean IP's job may take a suspect's place
 * in a full queue: guessers from any number of addresses get at most half of the hashing, and
 * a real user's hash starts at once beside them. Among the clean (or the suspect)
 * IPs, the one with the fewest logins in flight goes first. So a real user starts within about
 * one hash even while guessers from many addresses fill the queue.
 *
 * Work that cannot wait fails at once (resolves `undefined`): past the per-IP bound, or when the
 * queue is full and no job can make room (the newest job of a suspect IP for a clean newcomer,
 * else of the IP with the most waiting if it has more than the newcomer's IP).
 */
export class HashingGate {
  readonly #limits: HashingLimits;
  /** Waiting jobs by IP, in the order the IPs are to be served. */
  readonly #waiting = new Map<string, Job[]>();
  /** Jobs waiting or running, by IP. */
  readonly #perIp = new Map<string, number>();
  /** Jobs running, by IP. */
  readonly #runningPerIp = new Map<string, number>();
  /** Slots one IP, or all suspect IPs together, may hold: half of them, at least one. */
  readonly #share: number;
  /** When each suspect IP last failed, oldest first. */
  readonly #suspects = new Map<string, number>();
  readonly #now: () => number;
  #queued = 0;
  #running = 0;
  /** Jobs running that were started for a suspect IP. */
  #runningSuspects = 0;
  #refused = 0;

  /** `now` (milliseconds) is for tests; suspects are forgotten {@link SUSPECT_FOR_MS} after. */
  constructor(
    limits: HashingLimits = DEFAULT_HASHING_LIMITS,
    now: () => number = () => performance.now(),
  ) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < 1) {
        throw new TypeError(`${name} must be a positive integer, got ${String(value)}`);
      }
    }
    this.#limits = limits;
    this.#now = now;
    this.#share = Math.max(1, Math.floor(limits.maxConcurrent / 2));
  }

  /** Jobs refused so far without being run. */
  get refused(): number {
    return this.#refused;
  }

  /** Marks `ip` as a suspect: its login failed. Its jobs wait behind clean IPs' for a while. */
  failed(ip: string): void {
    this.#suspects.delete(ip);
    this.#suspects.set(ip, this.#now());
    if (this.#suspects.size > MAX_SUSPECTS) {
      this.#suspects.delete(this.#suspects.keys().next().value as string);
    }
  }

  /** Runs `work` for `ip` when its turn comes; resolves `undefined` if it was refused instead. */
  run<T>(ip: string, work: () => Promise<T>): Promise<T | undefined> {
    const fromIp = this.#perIp.get(ip) ?? 0;
    if (fromIp >= this.#limits.maxQueuedPerIp || !this.#roomFor(ip)) {
      this.#refused += 1;
      this.failed(ip);
      return Promise.resolve(undefined);
    }
    this.#perIp.set(ip, fromIp + 1);
    return new Promise<T | undefined>((resolve, reject) => {
      const job: Job = {
        start: (suspect: boolean) => {
          this.#running += 1;
          if (suspect) this.#runningSuspects += 1;
          this.#runningPerIp.set(ip, (this.#runningPerIp.get(ip) ?? 0) + 1);
          work()
            .then(resolve, reject)
            .finally(() => this.#finished(ip, suspect));
        },
        refuse: () => {
          this.#refused += 1;
          this.failed(ip);
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
    const victimIp = this.#isSuspect(ip)
      ? this.#busiest(ip)
      : (this.#busiestSuspect() ?? this.#busiest(ip));
    const victim = victimIp === undefined ? undefined : this.#waiting.get(victimIp);
    if (victimIp === undefined || victim === undefined) return false;
    this.#queued -= 1;
    (victim.pop() as Job).refuse();
    if (victim.length === 0) this.#waiting.delete(victimIp);
    return true;
  }

  /** The IP with the most waiting, if it has more than one and more than `ip` has. */
  #busiest(ip: string): string | undefined {
    let busiest: string | undefined;
    let most = Math.max(1, this.#waiting.get(ip)?.length ?? 0);
    for (const [other, queue] of this.#waiting) {
      if (queue.length > most) [busiest, most] = [other, queue.length];
    }
    return busiest;
  }

  /** The suspect IP with the most waiting. */
  #busiestSuspect(): string | undefined {
    let busiest: string | undefined;
    let most = 0;
    for (const [other, queue] of this.#waiting) {
      if (queue.length > most && this.#isSuspect(other)) [busiest, most] = [other, queue.length];
    }
    return busiest;
  }

  #isSuspect(ip: string): boolean {
    const since = this.#suspects.get(ip);
    if (since === undefined) return false;
    if (this.#now() - since < SUSPECT_FOR_MS) return true;
    this.#suspects.delete(ip);
    return false;
  }

  #finished(ip: string, suspect: boolean): void {
    this.#running -= 1;
    if (suspect) this.#runningSuspects -= 1;
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

  /**
   * Starts what may start: of the IPs under their share (suspects, together, under theirs: the
   * other slots stay free for clean IPs), clean IPs before suspects, and among
   * those the IP with the fewest logins in flight (a real user has one; a guesser many), the
   * first in turn on a tie. It gives one job and goes to the back of the turn.
   */
  #next(): void {
    while (this.#running < this.#limits.maxConcurrent && this.#queued > 0) {
      let next: [string, Job[]] | undefined;
      let best = Infinity;
      let nextSuspect = false;
      for (const entry of this.#waiting) {
        const [ip] = entry;
        if ((this.#runningPerIp.get(ip) ?? 0) >= this.#share) continue;
        const suspect = this.#isSuspect(ip);
        if (suspect && this.#runningSuspects >= this.#share) continue;
        // Suspects rank after every clean IP: in flight per IP is at most maxQueuedPerIp.
        const rank = (this.#perIp.get(ip) ?? 0) + (suspect ? this.#limits.maxQueuedPerIp : 0);
        if (rank < best) [next, best, nextSuspect] = [entry, rank, suspect];
        if (rank <= 1) break;
      }
      if (next === undefined) return;
      const [ip, queue] = next;
      this.#waiting.delete(ip);
      const job = queue.shift() as Job;
      if (queue.length > 0) this.#waiting.set(ip, queue);
      this.#queued -= 1;
      job.start(nextSuspect);
    }
  }
}
