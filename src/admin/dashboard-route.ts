import { join } from 'node:path';
import type { Logger } from 'pino';
import type { HttpServer } from '../http/http-server.js';
import { PACKAGE_ROOT, serveStaticDir } from '../http/static-files.js';

/** The dashboard's files: web/admin/ in the package. */
export const DASHBOARD_DIR = join(PACKAGE_ROOT, 'web', 'admin');

/** Scripts, styles and the feed from this origin only; no framing, no referrer. */
const DASHBOARD_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'referrer-policy': 'no-referrer',
};

/**
 * Serves the dashboard at `/admin` (index.html) and `/admin/<file>`. The page holds no data: it
 * reads everything from the JSON API and the live feed, with the token the user types in.
 */
export function registerDashboard(
  router: Pick<HttpServer, 'route'>,
  logger: Logger,
  dir: string = DASHBOARD_DIR,
): void {
  const served = serveStaticDir(router, '/admin', dir, { headers: DASHBOARD_HEADERS });
  if (!served.includes('/admin')) logger.warn({ dir }, 'dashboard not found; /admin is not served');
}
