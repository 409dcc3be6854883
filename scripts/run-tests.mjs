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
// The attack suites hold a control group to latency bounds measured beside the attack: they
// run one file at a time after the rest, so that no other suite's load is measured with them.
const isAttack = (file) => /(^|[\\/])attacks-[^\\/]*\.test\.js$/.test(file);
// The tests of the Redis backplane (the cluster suite and the contract's cluster variants) run
// a second time on the local Redis Cluster (scripts/ensure-redis-cluster.sh), the same files
// with ROOMWIRE_TEST_ON_REDIS_CLUSTER=1 (test/helpers/cluster.ts).
const PURE = new Set(['join-decision.test.js', 'publish-batches.test.js']);
const usesRedis = (file) =>
  /[\\/]contract[\\/]redis-[^\\/]*\.test\.js$/.test(file) ||
  (/[\\/]cluster[\\/][^\\/]*\.test\.js$/.test(file) && !PURE.has(file.split(/[\\/]/).pop()));
const onRedisCluster = { ...process.env, ROOMWIRE_TEST_ON_REDIS_CLUSTER: '1' };
const parallel = Math.max(2, availableParallelism());
const runs = [
  { files: files.filter((file) => !isAttack(file)), concurrency: parallel },
  { files: files.filter(isAttack), concurrency: 1 },
  {
    files: files.filter((file) => usesRedis(file) && !isAttack(file)),
    concurrency: parallel,
    env: onRedisCluster,
  },
  {
    files: files.filter((file) => usesRedis(file) && isAttack(file)),
    concurrency: 1,
    env: onRedisCluster,
  },
];
let status = 0;
for (const run of runs) {
  if (run.files.length === 0) continue;
  if (run.env !== undefined) console.log('# again, on the Redis Cluster: ' + run.files.join(' '));
  const result = spawnSync(
    process.execPath,
    ['--test', `--test-concurrency=${run.concurrency}`, '--test-timeout=120000', ...run.files],
    { stdio: 'inherit', env: run.env ?? process.env },
  );
  status = Math.max(status, result.status ?? 1);
}
process.exit(status);
