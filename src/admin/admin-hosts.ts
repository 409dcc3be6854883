import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { HttpServer, RouteHandler } from '../http/http-server.js';
import { sendJson } from '../http/http-server.js';

/** Where the admin API may be reached by name (issue #15, item 13). */
export interface AllowedHostsOptions {
  /** `adminAllowedHosts`: comma-separated names; `*` allows any Host. */
  readonly configured: string;
  /** The listen address (`--host`), allowed when it is a name. */
  readonly listenHost: string;
  /** The machine's names; `os.hostname()` and its first label by default. */
  readonly machineNames?: readonly string[];
}

/**
 * Decides whether a request's `Host` header names this server. A browser tricked by DNS
 * rebinding sends the attacker's name; an IP address or `localhost` cannot be rebound, and a
 * request without a Host header comes from a program, not a browser.
 */
export function hostAllowed(options: AllowedHostsOptions): (host: string | undefined) => boolean {
  const names = options.configured
    .split(',')
    .map((name) => normalizeName(name.trim()))
    .filter((name) => name !== '');
  if (names.includes('*')) return () => true;
  const machine = options.machineNames ?? [hostname(), hostname().split('.')[0] ?? ''];
  const allowed = new Set([...names, ...machine, options.listenHost].map(normalizeName));
  return (host) => {
    if (host === undefined) return true;
    const name = hostName(host);
    if (isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost')) return true;
    return allowed.has(name);
  };
}

/** `Example.COM.:8080` -> `example.com`; `[::1]:8080` -> `::1`. */
function hostName(host: string): string {
  const trimmed = host.trim();
  if (trimmed.startsWith('[')) return trimmed.slice(1, trimmed.indexOf(']')).toLowerCase();
  const colon = trimmed.lastIndexOf(':');
  return normalizeName(colon === -1 ? trimmed : trimmed.slice(0, colon));
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

type Router = Pick<HttpServer, 'route'>;

/** A router whose every route first refuses requests for a Host not allowed, with 403. */
export function hostCheckedRouter(
  router: Router,
  allowed: (host: string | undefined) => boolean,
): Router {
  return {
    route(method, pattern, handler: RouteHandler) {
      router.route(method, pattern, (request, response, params) => {
        if (!allowed(request.headers.host)) {
          return sendJson(response, 403, {
            error: "this Host is not one of the admin API's names (see adminAllowedHosts)",
          });
        }
        return handler(request, response, params);
      });
    },
  };
}
