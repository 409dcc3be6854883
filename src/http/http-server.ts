import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { normalizeIp } from '../transports/connection.js';

/** Path parameters of a matched route, such as `name` in `/api/rooms/:name`. */
export type RouteParams = Readonly<Record<string, string>>;

/** Answers one request; may be async. A thrown error becomes a 500 with a JSON body. */
export type RouteHandler = (
  request: http.IncomingMessage,
  response: http.ServerResponse,
  params: RouteParams,
) => void | Promise<void>;

export const HTTP_METHODS = ['GET', 'POST', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

interface Route {
  readonly method: HttpMethod;
  readonly segments: readonly string[];
  readonly handler: RouteHandler;
}

/**
 * Bounds on the HTTP side of the port (issue #15, item 10), separate from the relay's: open
 * connections not upgraded to WebSocket, in all and per IP, and how long a request may take.
 */
export interface HttpLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** The defaults of the configuration (src/config/defaults.ts), for servers built without one. */
const DEFAULT_LIMITS: HttpLimits = {
  maxConnections: 512,
  maxConnectionsPerIp: 64,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
};

/** The answer to a connection over a cap; written straight to the socket, before any parsing. */
const REFUSAL =
  'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\n' +
  'Content-Length: 25\r\nRetry-After: 1\r\n\r\ntoo many HTTP connections';

/** The answer to a request whose headers or body took longer than the timeouts allow. */
const TIMED_OUT = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/**
 * The HTTP connection cap actually applied: the configured one, but at most a quarter of the
 * process's file descriptors, so that HTTP can never take the ones the relay port needs.
 */
export function httpConnectionBudget(
  configured: number,
  openFileLimit: number | undefined,
): number {
  if (openFileLimit === undefined) return configured;
  return Math.max(1, Math.min(configured, Math.floor(openFileLimit / 4)));
}

/** The soft limit on open files (Linux `/proc/self/limits`), or undefined where unknown. */
export function openFileLimit(): number | undefined {
  try {
    const row = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return row === null ? undefined : Number(row[1]);
  } catch {
    return undefined;
  }
}

/** Writes a JSON body with a status code. */
export function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}

/**
 * The one HTTP server (`--http-port`): the WebSocket endpoint, the admin API, metrics and pages
 * all hang off it. A tiny router: exact segments and `:param` segments, nothing more.
 */
export class HttpServer {
  readonly server: http.Server;
  readonly #routes: Route[] = [];
  readonly #logger: Logger;
  readonly #host: string;
  readonly #port: number;
  readonly #maxConnections: number;
  readonly #maxPerIp: number;
  /** Open HTTP connections, by the peer's IP; a socket leaves when it closes or upgrades. */
  readonly #counted = new Map<Socket, string>();
  readonly #perIp = new Map<string, number>();
  #refused = 0;
  /** Responses finished so far, by status code: a bounded set (the codes this server sends). */
  readonly #responses = new Map<number, number>();

  constructor(options: {
    readonly host: string;
    readonly port: number;
    readonly logger: Logger;
    readonly limits?: Partial<HttpLimits>;
  }) {
    this.#logger = options.logger;
    this.#host = options.host;
    this.#port = options.port;
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#maxConnections = httpConnectionBudget(limits.maxConnections, openFileLimit());
    this.#maxPerIp = limits.maxConnectionsPerIp;
    this.server = http.createServer(
      {
        // Node's defaults (60 s for headers, checked every 30 s) let a half-sent request live
        // 90 s; a real client sends its headers in one round trip.
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
      },
      (request, response) => this.#dispatch(request, response),
    );
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      // A request too slow to arrive is told so; any other broken request is just cut.
      if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' && socket.writable) {
        socket.end(TIMED_OUT, () => socket.destroy());
      } else {
        socket.destroy();
      }
    });
    this.server.on('connection', (socket: Socket) => this.#admit(socket));
    // Upgraded to WebSocket, the connection is the relay's: its own caps count it from now on.
    this.server.on('upgrade', (_request, socket: Socket) => this.#release(socket));
  }

  /** Open HTTP connections (not upgraded) and those refused over a cap so far. */
  get connections(): { readonly open: number; readonly refused: number } {
    return { open: this.#counted.size, refused: this.#refused };
  }

  /** Responses sent so far, by status code (refusals included: 401, 403, 404, 429, ...). */
  get responses(): ReadonlyMap<number, number> {
    return this.#responses;
  }

  /** Adds a route; `pattern` is a path whose segments may be `:name` parameters. */
  route(method: HttpMethod, pattern: string, handler: RouteHandler): void {
    this.#routes.push({ method, segments: pattern.split('/').filter(Boolean), handler });
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.#port, this.#host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  #admit(socket: Socket): void {
    const ip = normalizeIp(socket.remoteAddress);
    const fromIp = this.#perIp.get(ip) ?? 0;
    if (this.#counted.size >= this.#maxConnections || fromIp >= this.#maxPerIp) {
      this.#refused += 1;
      if (this.#refused % 1000 === 1) {
        this.#logger.warn({ ip, refused: this.#refused }, 'http connection over the cap; refused');
      }
      // Nothing more is read, so no request on it reaches a route.
      socket.pause();
      socket.end(REFUSAL, () => socket.destroy());
      return;
    }
    this.#counted.set(socket, ip);
    this.#perIp.set(ip, fromIp + 1);
    socket.once('close', () => this.#release(socket));
  }

  #release(socket: Socket): void {
    const ip = this.#counted.get(socket);
    if (ip === undefined) return;
    this.#counted.delete(socket);
    const left = (this.#perIp.get(ip) ?? 1) - 1;
    if (left === 0) this.#perIp.delete(ip);
    else this.#perIp.set(ip, left);
  }

  #dispatch(request: http.IncomingMessage, response: http.ServerResponse): void {
    response.once('finish', () => {
      const status = response.statusCode;
      this.#responses.set(status, (this.#responses.get(status) ?? 0) + 1);
    });
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const segments = path.split('/').filter(Boolean).map(safeDecode);
    let pathMatched = false;
    for (const route of this.#routes) {
      const params = match(route.segments, segments);
      if (params === undefined) continue;
      pathMatched = true;
      if (
        route.method !== request.method &&
        !(route.method === 'GET' && request.method === 'HEAD')
      ) {
        continue;
      }
      Promise.resolve()
        .then(() => route.handler(request, response, params))
        .catch((error: unknown) => {
          this.#logger.error({ err: error, path }, 'http handler failed');
          if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
          else response.destroy();
        });
      return;
    }
    if (pathMatched) sendJson(response, 405, { error: `method ${request.method} not allowed` });
    else sendJson(response, 404, { error: `no such path: ${path}` });
  }
}

function match(pattern: readonly string[], segments: readonly string[]): RouteParams | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < pattern.length; index += 1) {
    const expected = pattern[index] as string;
    const actual = segments[index] as string;
    if (expected.startsWith(':')) params[expected.slice(1)] = actual;
    else if (expected !== actual) return undefined;
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
