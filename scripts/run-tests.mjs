#!/usr/bin/env node
// Runs the compiled test files of the given suites (default: all) in one `node --test` run.
// Node 20 reads `--test` arguments as paths and later versions as globs, so the files are
// listed here explicitly (STYLE.md section 12).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const ALL_SUITES = ['unit', 'contract', 'integration', 'cluster', 'browser'];
const suites = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ALL_SUITES;

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const files = suites.flatMap((suite) => testFiles(join('dist', 'test', suite))).sort();
if (files.length === 0) {
  console.error(`no compiled test files for ${suites.join(', ')}: run \`npm run build\` first`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    '--test',
    `--test-concurrency=${Math.max(2, availableParallelism())}`,
    '--test-timeout=120000',
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
