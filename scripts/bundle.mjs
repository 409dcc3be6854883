#!/usr/bin/env node
// `npm run bundle`: one self-contained file, roomwire.mjs, that runs with `node roomwire.mjs` on
// a machine with Node.js and nothing else (docs/deploy.md). esbuild inlines every dependency;
// the pages (web/, the browser client) ride inside as base64 and are written, at start, to a
// private folder that the server then serves from (ROOMWIRE_ASSETS_DIR, else one under the
// system's temporary folder, named by the content's hash).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const outfile = process.argv[2] ?? 'roomwire.mjs';
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

// The layout the server expects under its package root (src/http/static-files.ts).
const assets = Object.fromEntries(
  [
    ...['web/demo', 'web/admin'].flatMap((dir) => files(dir)),
    'dist/web/roomwire-client.js',
    'dist/web/roomwire-client.js.map',
  ].map((path) => [relative('.', path), readFileSync(path).toString('base64')]),
);
assets['package.json'] = Buffer.from(JSON.stringify({ name: 'roomwire', version })).toString(
  'base64',
);
const hash = createHash('sha256').update(JSON.stringify(assets)).digest('hex').slice(0, 16);

// Runs before any bundled module: CommonJS dependencies get `require`, and the pages are
// written where the server's package root points (import.meta.url is defined to a file in it).
const banner = `
import { createRequire as __roomwireRequire } from 'node:module';
import * as __roomwireFs from 'node:fs';
import * as __roomwireOs from 'node:os';
import * as __roomwirePath from 'node:path';
import * as __roomwireUrl from 'node:url';
const require = __roomwireRequire(import.meta.url);
{
  const assets = ${JSON.stringify(assets)};
  const root = process.env.ROOMWIRE_ASSETS_DIR ||
    __roomwirePath.join(__roomwireOs.tmpdir(), 'roomwire-assets-${hash}');
  if (!__roomwireFs.existsSync(__roomwirePath.join(root, '.complete'))) {
    for (const [path, base64] of Object.entries(assets)) {
      const target = __roomwirePath.join(root, path);
      __roomwireFs.mkdirSync(__roomwirePath.dirname(target), { recursive: true, mode: 0o700 });
      __roomwireFs.writeFileSync(target, Buffer.from(base64, 'base64'));
    }
    __roomwireFs.writeFileSync(__roomwirePath.join(root, '.complete'), '');
  }
  globalThis.__roomwireModuleUrl =
    __roomwireUrl.pathToFileURL(__roomwirePath.join(root, 'dist', 'src', 'server', 'x.js')).href;
}
`;

const result = await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: ['node20'],
  banner: { js: banner },
  define: { 'import.meta.url': 'globalThis.__roomwireModuleUrl' },
  // Optional native speed-ups of ws, loaded in a try/catch: without them ws uses JavaScript.
  external: ['bufferutil', 'utf-8-validate'],
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
const bytes = result.metafile.outputs[outfile]?.bytes ?? 0;
console.log(`bundle: ${outfile} (${(bytes / 1024 / 1024).toFixed(1)} MiB), roomwire ${version}`);
