import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';

/** What decides whether an upgrade request becomes a WebSocket. */
export interface UpgradeRules {
  readonly path: string;
  readonly allowedOrigins: readonly string[];
  readonly logger: Logger;
}

/**
 * Checks an upgrade request before the WebSocket handshake: the path (404 otherwise) and the
 * page's origin (403 otherwise). A refused request is answered and its socket closed here.
 */
export function admitUpgrade(
  request: http.IncomingMessage,
  socket: Duplex,
  rules: UpgradeRules,
): boolean {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (path !== rules.path) {
    refuseUpgrade(socket, 404, `no WebSocket at ${path}`);
    return false;
  }
  const origin = request.headers.origin;
  if (!originAllowed(origin, rules.allowedOrigins)) {
    rules.logger.info({ origin }, 'websocket refused: origin not allowed');
    refuseUpgrade(socket, 403, 'origin not allowed');
    return false;
  }
  return true;
}

/**
 * Whether a page from `origin` may connect. Requests without an `Origin` header come from
 * programs, not browsers, and the allow-list protects browsers' users: they are let in.
 */
export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.length === 0 || origin === undefined) return true;
  return allowed.includes(origin.toLowerCase());
}

function refuseUpgrade(socket: Duplex, status: 403 | 404, message: string): void {
  const title = status === 403 ? 'Forbidden' : 'Not Found';
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nConnection: close\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(message)}` +
      `\r\n\r\n${message}`,
  );
}
