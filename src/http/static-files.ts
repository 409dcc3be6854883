import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendJson, type HttpServer } from './http-server.js';

/** The package root (where package.json is), from this file compiled into dist/src/server/. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The file types pages are made of; a file of any other type is never served. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** Options of {@link serveStaticDir} and {@link serveStaticFile}. */
export interface StaticOptions {
  /** Extra response headers, such as a content security policy. */
  readonly headers?: Readonly<Record<string, string>>;
  /** What a 404 for a missing file says, such as "run npm run build". */
  readonly missingHint?: string;
}

type Router = Pick<HttpServer, 'route'>;

/**
 * Serves every file under `dir` (listed now, read on first request, then kept in memory) at
 * `urlPrefix/<relative path>`, and `index.html` at `urlPrefix` itself. Only files that exist
 * now and have a known type get a route, so no request can reach outside `dir`. Returns the
 * URL paths served.
 */
export function serveStaticDir(
  router: Router,
  urlPrefix: string,
  dir: string,
  options: StaticOptions = {},
): string[] {
  const prefix = urlPrefix.endsWith('/') ? urlPrefix.slice(0, -1) : urlPrefix;
  const served: string[] = [];
  for (const file of listFiles(dir)) {
    const path = relative(dir, file).split(sep);
    // A segment starting with `:` would be a route parameter; such files are not served.
    if (path.some((segment) => segment.startsWith(':'))) continue;
    const urlPath = `${prefix}/${path.join('/')}`;
    serveStaticFile(router, urlPath, file, options);
    served.push(urlPath);
    if (path.length === 1 && path[0] === 'index.html') {
      serveStaticFile(router, prefix === '' ? '/' : prefix, file, options);
      served.push(prefix === '' ? '/' : prefix);
    }
  }
  return served;
}

/** Serves one file at `urlPath`, read on first request and then kept in memory. */
export function serveStaticFile(
  router: Router,
  urlPath: string,
  file: string,
  options: StaticOptions = {},
): void {
  const type = CONTENT_TYPES[extname(file).toLowerCase()];
  if (type === undefined) throw new TypeError(`no content type known for ${file}`);
  let body: Promise<Buffer> | undefined;
  router.route('GET', urlPath, async (request, response) => {
    body ??= readFile(file);
    let bytes: Buffer;
    try {
      bytes = await body;
    } catch (error) {
      body = undefined; // not cached: the file may appear later (a build finishing)
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const hint = options.missingHint === undefined ? '' : ` (${options.missingHint})`;
      return sendJson(response, 404, { error: `${urlPath} is missing${hint}` });
    }
    send(response, type, bytes, request.method === 'HEAD', options.headers);
  });
}

function send(
  response: ServerResponse,
  type: string,
  bytes: Buffer,
  headOnly: boolean,
  headers: Readonly<Record<string, string>> = {},
): void {
  response.writeHead(200, {
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
    ...headers,
    'content-type': type,
    'content-length': bytes.length,
  });
  response.end(headOnly ? undefined : bytes);
}

/** Files under `dir` with a known content type, skipping dotfiles; none if `dir` is missing. */
function listFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    if (entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(path);
    return entry.isFile() && extname(entry.name).toLowerCase() in CONTENT_TYPES ? [path] : [];
  });
}
