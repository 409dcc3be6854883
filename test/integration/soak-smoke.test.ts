import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SOAK = fileURLToPath(new URL('../../bench/soak.js', import.meta.url));

describe('the soak (npm run soak)', { timeout: 30_000 }, () => {
  it('runs a few seconds of mixed load with churn against the real server and passes', async () => {
    const args = ['--minutes', '0.05', '--interval', '1', '--rooms', '1', '--room-size', '3'];
    args.push('--ws-clients', '1', '--udp-clients', '2', '--churners', '5');
    const child = spawn(process.execPath, [SOAK, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, output);
    assert.match(output, /^soak: PASS$/m);
    assert.match(output, /^memory verdict: rss: /m);
    // A row per interval: time, RSS, heap, descriptors, clients of the server process.
    const rows = output
      .split('\n')
      .filter((line) => /^\s+\d+\s+\d+\.\d+\s+\d+\.\d+\s+\d+/.test(line));
    assert.ok(rows.length >= 2, output);
  });
});
