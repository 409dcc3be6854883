#!/usr/bin/env node
// `npm start` and `npm run cluster` build first, but only when a source changed since the last
// build (issue #14: a full build took 10 s before every `--help`). `--stamp` records a finished
// build (and makes the bin file executable); `npm run build` ends with it. `--check` only says `stale` (exit 1) or `up to date`.
// `npm test` always does a clean, full build.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STAMP = join('dist', '.build-stamp');
/** What the build reads: a change to any of it makes dist/ stale. */
const INPUTS = ['src', 'test', 'bench', 'web', 'scripts', 'tsconfig.json', 'package.json'];

function newestChange(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  // A deleted file changes its folder's mtime, so the folder counts as well.
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

if (process.argv[2] === '--stamp') {
  // tsc writes files without the execute bit; `npx roomwire` runs the bin file itself.
  const bin = join('dist', 'src', 'cli', 'main.js');
  if (existsSync(bin)) chmodSync(bin, 0o755);
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
} else {
  const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
  const changed = Math.max(...INPUTS.map(newestChange));
  if (process.argv[2] === '--check') {
    console.log(changed > built ? 'stale' : 'up to date');
    process.exit(changed > built ? 1 : 0);
  }
  if (changed > built) {
    console.error(built === 0 ? 'building dist/ (first run)' : 'sources changed: rebuilding dist/');
    const npm = process.env.npm_execpath;
    const result = npm
      ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' })
      : spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: true });
    process.exit(result.status ?? 1);
  }
}
