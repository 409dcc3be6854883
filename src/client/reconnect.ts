import type { Timers } from './transport.js';

/** How the client reconnects after a lost connection. */
export interface ReconnectOptions {
  /** The delay before the first attempt. */
  readonly initialDelayMs?: number;
  /** The delay never grows past this. */
  readonly maxDelayMs?: number;
  /** Each failed attempt multiplies the delay by this. */
  readonly factor?: number;
  /** Attempts before giving up; unlimited by default. */
  readonly maxAttempts?: number;
}

const DEFAULT_RECONNECT: Required<ReconnectOptions> = {
  initialDelayMs: 250,
  maxDelayMs: 5000,
  factor: 2,
  maxAttempts: Number.POSITIVE_INFINITY,
};

/** The reconnect settings in full, or undefined when reconnecting is off. */
export function resolveReconnect(
  option: boolean | ReconnectOptions | undefined,
): Required<ReconnectOptions> | undefined {
  if (option === undefined || option === false) return undefined;
  const resolved = { ...DEFAULT_RECONNECT, ...(option === true ? {} : option) };
  const { initialDelayMs, maxDelayMs, factor, maxAttempts } = resolved;
  if (!(initialDelayMs >= 0 && maxDelayMs >= initialDelayMs && factor >= 1 && maxAttempts >= 1)) {
    throw new TypeError(`bad reconnect options: ${JSON.stringify(option)}`);
  }
  return resolved;
}

/**
 * The wait before attempt `attempt` (from 1): exponential, capped, and spread between half and
 * all of it, so that clients dropped together by a restart do not all come back at once.
 */
export function backoffDelay(
  options: Required<ReconnectOptions>,
  attempt: number,
  random: () => number,
): number {
  const full = Math.min(
    options.maxDelayMs,
    options.initialDelayMs * options.factor ** (attempt - 1),
  );
  return Math.round(full / 2 + (full / 2) * random());
}

/** What a {@link reconnectLoop} does; the client provides it. */
export interface ReconnectSteps {
  /** Waits, cancellably (see {@link Delay}). */
  wait(ms: number): Promise<void>;
  /** One attempt: connect, log in, bind UDP, rejoin. */
  attempt(): Promise<void>;
  /** Undoes a failed attempt (closes its connection). */
  abandon(): void;
  /** False once the client was closed meanwhile: the loop stops without a word. */
  active(): boolean;
}

/** Codes after which trying again is wrong: the server meant this client to go. */
export const FINAL_CODES: ReadonlySet<string> = new Set(['too_many_auth_failures', 'kicked']);

/**
 * Attempts until one succeeds (`undefined`), the attempts run out or the server refuses the
 * login (the last error), or the client is closed meanwhile (`'cancelled'`).
 */
export async function reconnectLoop(
  options: Required<ReconnectOptions>,
  random: () => number,
  steps: ReconnectSteps,
): Promise<Error | undefined | 'cancelled'> {
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= options.maxAttempts; attempt += 1) {
    await steps.wait(backoffDelay(options, attempt, random));
    if (!steps.active()) return 'cancelled';
    try {
      await steps.attempt();
      return undefined;
    } catch (error) {
      lastError = error as Error;
      steps.abandon();
      if (!steps.active()) return 'cancelled';
      const code = (error as { code?: unknown }).code;
      if (code === 'auth_failed' || FINAL_CODES.has(String(code))) break;
    }
  }
  return lastError;
}

/** A timer that can be cut short: `close()` during a reconnect wait ends the wait at once. */
export class Delay {
  #cancel: (() => void) | undefined;

  constructor(private readonly timers: Timers) {}

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.timers.setTimeout(() => {
        this.#cancel = undefined;
        resolve();
      }, ms);
      this.#cancel = () => {
        this.timers.clearTimeout(handle);
        this.#cancel = undefined;
        resolve();
      };
    });
  }

  cancel(): void {
    this.#cancel?.();
  }
}
