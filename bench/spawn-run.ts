/**
 * Runs `npm run bench -- <args>` (bench/run.ts) as a child process, its output passed through,
 * and returns the JSON lines of its server runs: for scripts that chain many runs
 * (write-docs.ts, capacity.ts).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunLine } from './report.js';

const RUN_SCRIPT = fileURLToPath(new URL('./run.js', import.meta.url));

export function runBench(args: readonly string[]): Promise<RunLine[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN_SCRIPT, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      process.stdout.write(chunk);
    });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench ${args.join(' ')} exited with ${code}`));
      const lines = out.split('\n').filter((line) => line.startsWith('{'));
      const runs = lines.map((line) => JSON.parse(line) as RunLine & { kind: string });
      resolve(runs.filter((run) => run.kind === 'run'));
    });
  });
}
