#!/usr/bin/env node
// Bundles the browser client (dist/src/client/browser.js, compiled by tsc) into one ES module,
// dist/web/roomwire-client.js, which the server serves at /roomwire-client.js. Its typings are
// tsc's own declarations, re-exported from dist/web/roomwire-client.d.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const entry = 'dist/src/client/browser.js';
const outfile = 'dist/web/roomwire-client.js';

mkdirSync('dist/web', { recursive: true });
const result = await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: 'esm',
  // A `node:` import here would mean a Node-only file leaked into the browser client.
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
writeFileSync(
  'dist/web/roomwire-client.d.ts',
  "// Typings of roomwire-client.js: the browser entry point's declarations.\nexport * from '../src/client/browser.js';\n",
);
const bytes = result.metafile.outputs[outfile]?.bytes ?? 0;
console.log(`build-client: ${outfile} (${(bytes / 1024).toFixed(1)} KiB)`);
