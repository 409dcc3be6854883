/**
 * Summarises a V8 `.cpuprofile` (as written by `npm run bench -- ... --profile DIR`): where the
 * server spent its samples, by function and by file, self time only.
 *
 *   node dist/bench/profile-summary.js DIR/roomwire-chatter-*.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time per key, in microseconds, biggest first. */
export function selfTimes(
  profile: CpuProfile,
  keyOf: (node: ProfileNode) => string,
): [string, number][] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    if (node === undefined) return;
    const key = keyOf(node);
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  return [...totals].sort((a, b) => b[1] - a[1]);
}

function shortUrl(url: string): string {
  if (url === '') return '(native or V8)';
  const at = url.search(/\/(src|bench|node_modules)\//);
  return at === -1 ? url.replace(/^file:\/\//, '') : url.slice(at + 1);
}

function functionKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName === '' ? '(anonymous)' : functionName;
  return url === '' ? name : `${name} ${shortUrl(url)}:${lineNumber + 1}`;
}

function fileKey(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native or V8)';
  if (url.startsWith('node:')) return 'node: internals';
  return shortUrl(url);
}

function table(title: string, rows: [string, number][], total: number, top: number): string {
  const lines = rows
    .slice(0, top)
    .map(([key, us]) => `${((100 * us) / total).toFixed(1).padStart(6)}%  ${key}`);
  return `${title}\n${lines.join('\n')}`;
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' } },
  });
  const top = Number(values.top);
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const total = profile.timeDeltas.reduce((sum, delta) => sum + delta, 0);
    const idle = selfTimes(profile, (node) => node.callFrame.functionName).find(
      ([name]) => name === '(idle)',
    )?.[1];
    process.stdout.write(
      `${file}: ${(total / 1e6).toFixed(2)} s sampled, ${(((idle ?? 0) / total) * 100).toFixed(1)}% idle\n\n` +
        `${table('self time by file', selfTimes(profile, fileKey), total, top)}\n\n` +
        `${table('self time by function', selfTimes(profile, functionKey), total, top)}\n\n`,
    );
  }
}

if (process.argv[1]?.endsWith('profile-summary.js') === true) main();
