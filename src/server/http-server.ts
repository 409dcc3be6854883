import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

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

  constructor(options: { readonly host: string; readonly port: number; readonly logger: Logger }) {
    this.#logger = options.logger;
    this.#host = options.host;
    this.#port = options.port;
    this.server = http.createServer((request, response) => this.#dispatch(request, response));
    this.server.on('clientError', (_error, socket) => socket.destroy());
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

  #dispatch(request: http.IncomingMessage, response: http.ServerResponse): void {
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
