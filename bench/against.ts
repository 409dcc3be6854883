/**
 * `--against <git-ref>`: builds another commit of Roomwire in a temporary git worktree so that
 * the bench can run it beside the working tree in one invocation (see run.ts). Only the server
 * under test comes from that commit; the generator, the measuring and the report are the
 * working tree's, so both sides are measured the same way.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The working tree's package root (this file is compiled into dist/bench/). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A built commit: where it is, the CLI to start, and how to clean up after the runs. */
export interface AgainstBuild {
  readonly ref: string;
  readonly sha: string;
  readonly dir: string;
  /** dist/src/cli/main.js of that commit. */
  readonly script: string;
  /** Removes the worktree (unless it is kept for the next invocation). */
  readonly remove: () => void;
}

const BUILT_MARK = '.bench-against-built';

function git(args: readonly string[], cwd = ROOT): string {
  return execFileSync('git', ['-C', cwd, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** The directory a commit is built in: one per commit, so that `--keep-against` can reuse it. */
export function againstDir(sha: string, base = tmpdir()): string {
  return join(base, `roomwire-against-${sha.slice(0, 12)}`);
}

function removeWorktree(dir: string): void {
  try {
    git(['worktree', 'remove', '--force', dir]);
  } catch {
    rmSync(dir, { recursive: true, force: true });
    try {
      git(['worktree', 'prune']);
    } catch {
      // Nothing more to do: the directory is gone.
    }
  }
}

/**
 * Checks out `ref` into a temporary worktree, installs its dependencies (a link to the working
 * tree's node_modules when the two package-lock.json files are the same, else `npm ci`) and
 * compiles it with its own TypeScript. With `keep`, the built tree stays for the next call with
 * the same commit, which then only checks that it is there.
 */
export function prepareAgainst(
  ref: string,
  keep: boolean,
  log: (text: string) => void,
): AgainstBuild {
  let sha: string;
  try {
    sha = git(['rev-parse', '--verify', `${ref}^{commit}`]);
  } catch {
    throw new Error(`--against ${ref}: not a commit of the repository at ${ROOT}`);
  }
  const dir = againstDir(sha);
  const script = join(dir, 'dist', 'src', 'cli', 'main.js');
  const remove = (): void => {
    if (keep) log(`kept the build of ${ref} in ${dir}`);
    else removeWorktree(dir);
  };
  const build = { ref, sha, dir, script, remove };
  if (existsSync(join(dir, BUILT_MARK)) && existsSync(script)) {
    log(`--against ${ref}: reusing the build of ${sha.slice(0, 12)} in ${dir}`);
    return build;
  }
  if (existsSync(dir)) removeWorktree(dir);
  log(`--against ${ref}: checking out ${sha.slice(0, 12)} into ${dir}`);
  git(['worktree', 'add', '--detach', '--force', dir, sha]);
  try {
    const lock = (root: string): string => readFileSync(join(root, 'package-lock.json'), 'utf8');
    if (existsSync(join(ROOT, 'node_modules')) && lock(dir) === lock(ROOT)) {
      log('same package-lock.json: linking the working tree node_modules');
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    } else {
      log('package-lock.json differs: npm ci in the worktree');
      execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    }
    log('compiling it (tsc)');
    const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      // tsc still writes its output on type errors; only a missing CLI stops the run.
      if (!existsSync(script)) throw error;
      log(`warning: tsc reported errors in ${ref}; running what it emitted`);
    }
    if (!existsSync(script)) throw new Error(`--against ${ref}: the build has no ${script}`);
    writeFileSync(join(dir, BUILT_MARK), `${sha}\n`);
  } catch (error) {
    removeWorktree(dir);
    throw error;
  }
  return build;
}
