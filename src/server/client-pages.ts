import { join } from 'node:path';
import type { Logger } from 'pino';
import { sendJson, type HttpServer } from '../http/http-server.js';
import { PACKAGE_ROOT, serveStaticDir, serveStaticFile } from '../http/static-files.js';

/** Scripts, styles and the WebSocket from this origin only; no framing, no referrer. */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'referrer-policy': 'no-referrer',
};

const BUILD_HINT = 'the browser client is built by `npm run build`';

/**
 * The browser side of the relay on the HTTP port: the client library bundle at
 * `/roomwire-client.js` and the demo page (web/demo/) at `/demo` and `/`.
 */
export function registerClientPages(router: Pick<HttpServer, 'route'>, logger: Logger): void {
  const bundle = join(PACKAGE_ROOT, 'dist', 'web');
  const options = { headers: PAGE_HEADERS, missingHint: BUILD_HINT };
  serveStaticFile(router, '/roomwire-client.js', join(bundle, 'roomwire-client.js'), options);
  serveStaticFile(
    router,
    '/roomwire-client.js.map',
    join(bundle, 'roomwire-client.js.map'),
    options,
  );
  // A plain GET of the WebSocket endpoint (a browser tab, curl) is told what the path is for.
  router.route('GET', '/ws', (_request, response) => {
    response.setHeader('upgrade', 'websocket');
    sendJson(response, 426, {
      error:
        'upgrade required: /ws is the WebSocket endpoint, for a WebSocket client; the demo page is at /',
    });
  });
  const demo = join(PACKAGE_ROOT, 'web', 'demo');
  const served = serveStaticDir(router, '/demo', demo, options);
  if (served.includes('/demo')) {
    serveStaticFile(router, '/', join(demo, 'index.html'), options);
  } else {
    logger.warn({ dir: demo }, 'demo page not found; / and /demo are not served');
  }
}
