import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The verdict on one request: allowed, or refused with a status and a reason. */
export type AuthVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 401 | 403; readonly error: string };

/** Options of {@link AdminAuth}. */
export interface AdminAuthOptions {
  /** The bearer token; empty turns admin actions off. */
  readonly token: string;
  /** Whether reads (JSON API, live feed, metrics) need the token too. */
  readonly protectReads: boolean;
}

const ALLOWED: AuthVerdict = { ok: true };

/**
 * Bearer-token checks for the admin API. The token is compared in constant time (as SHA-256
 * digests, so neither its length nor its bytes leak through timing).
 */
export class AdminAuth {
  readonly #digest: Buffer | undefined;
  readonly #protectReads: boolean;

  constructor(options: AdminAuthOptions) {
    if (options.protectReads && options.token === '') {
      throw new TypeError('protecting reads needs an admin token');
    }
    this.#digest = options.token === '' ? undefined : digest(options.token);
    this.#protectReads = options.protectReads;
  }

  /** Whether admin actions exist at all: only with a configured token. */
  get actionsEnabled(): boolean {
    return this.#digest !== undefined;
  }

  get readsProtected(): boolean {
    return this.#protectReads;
  }

  /** May this request read (JSON API, live feed, metrics)? */
  read(request: IncomingMessage): AuthVerdict {
    return this.#protectReads ? this.#check(request) : ALLOWED;
  }

  /** May this request kick a client or close a room? */
  action(request: IncomingMessage): AuthVerdict {
    if (this.#digest === undefined) {
      return {
        ok: false,
        status: 403,
        error: 'admin actions are off: the server has no admin token (--admin-token)',
      };
    }
    return this.#check(request);
  }

  #check(request: IncomingMessage): AuthVerdict {
    const given = bearerToken(request.headers.authorization);
    if (given === undefined) {
      return { ok: false, status: 401, error: 'an Authorization: Bearer <token> header is needed' };
    }
    const expected = this.#digest as Buffer;
    if (!timingSafeEqual(digest(given), expected)) {
      return { ok: false, status: 401, error: 'wrong admin token' };
    }
    return ALLOWED;
  }
}

/** The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
