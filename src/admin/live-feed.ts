import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http/http-server.js';

/** Messages per second over one interval, in and out, at time `t` (ms since the epoch). */
export interface RateSample {
  readonly t: number;
  readonly in: number;
  readonly out: number;
}

/** Options of {@link LiveFeed}. */
export interface LiveFeedOptions {
  /** Subscribers beyond this many are refused with 503. */
  readonly maxSubscribers: number;
  /** Messages so far, in and out; monotonic. */
  readonly totals: () => { readonly in: number; readonly out: number };
  /** The state pushed on every tick, as a JSON-able object. */
  readonly snapshot: (now: number) => object;
  /** Time between pushes; one second by default. */
  readonly intervalMs?: number;
  /** Samples kept for a new subscriber's chart; five minutes of seconds by default. */
  readonly historyLength?: number;
  readonly now?: () => number;
}

/** A subscriber that has this much unsent is too slow to follow and is cut off. */
const MAX_UNSENT_BYTES = 1024 * 1024;

/**
 * The dashboard's live feed, as Server-Sent Events: one `snapshot` event per second to every
 * subscriber, built once and written to all. A new subscriber first gets the recent rate
 * history, so its chart starts full. The rate is sampled even without subscribers.
 */
export class LiveFeed {
  readonly #options: LiveFeedOptions;
  readonly #subscribers = new Set<ServerResponse>();
  readonly #history: RateSample[] = [];
  readonly #historyLength: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #last: { t: number; in: number; out: number };

  constructor(options: LiveFeedOptions) {
    this.#options = options;
    this.#historyLength = options.historyLength ?? 300;
    this.#now = options.now ?? Date.now;
    this.#last = { t: this.#now(), ...options.totals() };
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** The rate samples kept, oldest first. */
  history(): readonly RateSample[] {
    return this.#history;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#last = { t: this.#now(), ...this.#options.totals() };
    this.#timer = setInterval(() => this.tick(), this.#options.intervalMs ?? 1000);
    this.#timer.unref();
  }

  /** Stops the clock and ends every subscriber's stream. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const response of this.#subscribers) response.end();
    this.#subscribers.clear();
  }

  /** Answers `GET /api/events`: keeps the response open as an event stream. */
  subscribe(request: IncomingMessage, response: ServerResponse): void {
    if (this.#subscribers.size >= this.#options.maxSubscribers) {
      sendJson(response, 503, {
        error: `the live feed has its ${this.#options.maxSubscribers} subscribers already`,
      });
      return;
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    this.#subscribers.add(response);
    response.on('close', () => this.#subscribers.delete(response));
    const now = this.#now();
    response.write('retry: 3000\n\n');
    response.write(event({ ...this.#options.snapshot(now), time: now, history: this.#history }));
  }

  /** Samples the rate and pushes one snapshot to every subscriber; run by the clock. */
  tick(): void {
    const now = this.#now();
    const totals = this.#options.totals();
    const seconds = Math.max(now - this.#last.t, 1) / 1000;
    const sample: RateSample = {
      t: now,
      in: round((totals.in - this.#last.in) / seconds),
      out: round((totals.out - this.#last.out) / seconds),
    };
    this.#last = { t: now, ...totals };
    this.#history.push(sample);
    if (this.#history.length > this.#historyLength) this.#history.shift();
    if (this.#subscribers.size === 0) return;
    const data = event({ ...this.#options.snapshot(now), time: now, sample });
    for (const response of this.#subscribers) {
      if (response.writableLength > MAX_UNSENT_BYTES) {
        response.destroy();
        continue;
      }
      response.write(data);
    }
  }
}

function event(data: object): string {
  return `event: snapshot\ndata: ${JSON.stringify(data)}\n\n`;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
