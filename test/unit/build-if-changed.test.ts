import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../scripts/build-if-changed.mjs', import.meta.url));

describe('npm start builds only when a source changed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roomwire-build-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const run = (mode: string): string =>
    spawnSync(process.execPath, [SCRIPT, mode], { cwd: dir, encoding: 'utf8' }).stdout.trim();
  const age = (path: string, secondsAgo: number): void => {
    const when = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(join(dir, path), when, when);
  };

  it('is stale before the first build, up to date after it, stale after an edit', () => {
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'src', 'a.ts'), 'export {};\n');
    age('src/a.ts', 60);
    age('src', 60);
    assert.equal(run('--check'), 'stale');
    run('--stamp');
    assert.equal(run('--check'), 'up to date');
    writeFileSync(join(dir, 'src', 'a.ts'), 'export const a = 1;\n');
    age('dist/.build-stamp', 10);
    assert.equal(run('--check'), 'stale');
    run('--stamp');
    rmSync(join(dir, 'src', 'a.ts'));
    age('dist/.build-stamp', 10);
    assert.equal(run('--check'), 'stale', 'a deleted source makes dist stale too');
  });
});
