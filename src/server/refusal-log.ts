import type { Logger } from 'pino';
import type { ConnId, RelayEvent } from '../core/types.js';

type Refused = Extract<RelayEvent, { kind: 'refused' }>;

/** Refusal lines one IP may cause per window, across all its connections. */
export const REFUSAL_LINES_PER_IP = 20;
/** The window of {@link REFUSAL_LINES_PER_IP}. */
export const REFUSAL_WINDOW_MS = 60_000;

interface ConnRefusals {
  readonly ip: string;
  /** Refusals per code on this connection, logged or not. */
  readonly counts: Map<string, number>;
}

/**
 * Keeps the logs bounded whatever a peer sends (issue #14): the first refusal of each code on a
 * connection is logged at info, at most {@link REFUSAL_LINES_PER_IP} per IP per window; every
 * refusal is counted, and the counts go into the connection's `disconnect` line.
 */
export class RefusalLog {
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #connections = new Map<ConnId, ConnRefusals>();
  readonly #perIp = new Map<string, { windowStart: number; lines: number }>();

  constructor(logger: Logger, now: () => number = () => performance.now()) {
    this.#logger = logger;
    this.#now = now;
  }

  /** Counts one refusal, and logs it if it is the first of its code here and the IP has budget. */
  refused(event: Refused, ip: string): void {
    let conn = this.#connections.get(event.connId);
    if (conn === undefined) {
      conn = { ip, counts: new Map() };
      this.#connections.set(event.connId, conn);
    }
    const seen = conn.counts.get(event.code) ?? 0;
    conn.counts.set(event.code, seen + 1);
    if (seen > 0 || !this.#ipBudget(conn.ip)) return;
    this.#logger.info(
      { connId: event.connId, clientId: event.clientId, code: event.code },
      'refused',
    );
  }

  /**
   * Forgets a closed connection; returns its refusal counts per code for the `disconnect` line
   * (an empty object when it had none).
   */
  closed(connId: ConnId): { refusals?: Record<string, number> } {
    const conn = this.#connections.get(connId);
    if (conn === undefined) return {};
    this.#connections.delete(connId);
    return { refusals: Object.fromEntries(conn.counts) };
  }

  #ipBudget(ip: string): boolean {
    const now = this.#now();
    let budget = this.#perIp.get(ip);
    if (budget === undefined || now - budget.windowStart >= REFUSAL_WINDOW_MS) {
      if (budget === undefined) this.#forgetOldWindows(now);
      budget = { windowStart: now, lines: 0 };
      this.#perIp.set(ip, budget);
    }
    budget.lines += 1;
    return budget.lines <= REFUSAL_LINES_PER_IP;
  }

  /** Called when an IP is new: drops the IPs whose window ended, so the map stays bounded. */
  #forgetOldWindows(now: number): void {
    for (const [ip, budget] of this.#perIp) {
      if (now - budget.windowStart >= REFUSAL_WINDOW_MS) this.#perIp.delete(ip);
    }
  }
}
