import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cli, killAll, listening, type Cli } from '../helpers/cli-process.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((name) => `docs/${name}`)];
const REDIS = process.env.ROOMWIRE_TEST_REDIS ?? 'redis://127.0.0.1:6379';
/** Words that stand for a value in a synopsis (`users add NAME`), not a value themselves. */
const PLACEHOLDER = /^(<.*>|[A-Z]+|\.\.\.)$/;

/** Every `npx roomwire`, `npm start` and `npm run cluster` command the docs show. */
function documentedCommands(): { file: string; command: string }[] {
  const found: { file: string; command: string }[] = [];
  for (const file of DOCS.filter((name) => name.endsWith('.md'))) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const candidates = [
      ...[...text.matchAll(/```(?:sh|bash|console)\n([\s\S]*?)```/g)].flatMap((block) =>
        (block[1] ?? '').split('\n'),
      ),
      ...[...text.matchAll(/`([^`\n]+)`/g)].map((span) => span[1] ?? ''),
    ];
    for (const candidate of candidates) {
      const command = candidate.replace(/\s+#.*$/, '').trim();
      if (/(^|\| |^\S+=\S+ )(npx roomwire|npm start|npm run cluster)\b/.test(command)) {
        // Set-up chains (`npm ci && npm start`) are the README's own commands, run by CI.
        if (!command.includes('&&')) found.push({ file, command });
      }
    }
  }
  return found;
}

interface Plan {
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly stdin: string;
  readonly kind: 'finishes' | 'serves' | 'cluster';
}

/** The command as the roomwire CLI gets it, with free ports, loopback and the test Redis. */
function plan(command: string, clientPort: number, usersFile: string): Plan {
  let rest = command;
  let stdin = '';
  const piped = /^printf '([^']*)' \| (.*)$/.exec(rest);
  if (piped !== null) {
    stdin = (piped[1] ?? '').replaceAll('\\n', '\n');
    rest = piped[2] ?? '';
  }
  const env: Record<string, string> = {};
  const words = rest.split(/\s+/);
  while (/^[A-Z_]+=/.test(words[0] ?? '')) {
    const [key = '', value = ''] = (words.shift() ?? '').split(/=(.*)/);
    env[key] = /PORT$/.test(key) ? '0' : value.startsWith('$(') ? 'a'.repeat(32) : value;
  }
  while (words[0]?.startsWith('$(') === false && words.length > 0 && /\)$/.test(words[0])) {
    words.shift();
  }
  let args: string[];
  if (words[0] === 'npx' && words[1] === 'roomwire') args = words.slice(2);
  else if (words[0] === 'npm' && words[1] === 'start')
    args = words.slice(words[2] === '--' ? 3 : 2);
  else if (words[0] === 'npm' && words[1] === 'run' && words[2] === 'cluster') {
    args = ['cluster', ...words.slice(words[3] === '--' ? 4 : 3)];
  } else throw new Error(`not a roomwire command: ${command}`);
  const subcommand = ['client', 'users', 'cluster'].includes(args[0] ?? '') ? args[0] : 'serve';
  args = args.map((word, index) => {
    const flag = args[index - 1];
    if (flag === '--port') return subcommand === 'client' ? String(clientPort) : '0';
    if (flag === '--http-port') return '0';
    return word.startsWith('redis://') ? REDIS : word;
  });
  if (subcommand === 'users') env.ROOMWIRE_USERS_FILE = usersFile;
  if (args.includes('--help') || args.includes('--version') || subcommand === 'users') {
    return { args, env, stdin: stdin || 'secret\n', kind: 'finishes' };
  }
  if (subcommand === 'client') {
    if (!args.includes('--port')) args.push('--port', String(clientPort));
    return { args, env, stdin, kind: 'finishes' };
  }
  for (const flag of ['--port', '--http-port']) if (!args.includes(flag)) args.push(flag, '0');
  if (subcommand === 'cluster') {
    if (!args.includes('--')) args.push('--');
    args.push('--host', '127.0.0.1');
    return { args, env, stdin, kind: 'cluster' };
  }
  if (!args.includes('--host')) args.push('--host', '127.0.0.1');
  return { args, env, stdin, kind: 'serves' };
}

async function printed(roomwire: Cli, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!roomwire.stdout().includes(text)) {
    if (Date.now() > deadline) assert.fail(`never printed ${text}: ${roomwire.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('every command the docs show works as written', { timeout: 300_000 }, () => {
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'roomwire-docs-'));
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    killAll();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the documented commands', () => {
    assert.ok(documentedCommands().length >= 15, `${documentedCommands().length} commands`);
  });

  it('runs npx roomwire in the clone', () => {
    const result = spawnSync('npx', ['--no-install', 'roomwire', '--version'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^roomwire \d+\.\d+\.\d+/);
  });

  it('states one minimum Node.js version, the one package.json enforces', () => {
    const { engines } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const stated = [...readme.matchAll(/Node\.js (\d+(?:\.\d+)*) or later/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(stated)], [engines.node.replace('>=', '')]);
  });

  for (const { file, command } of documentedCommands()) {
    it(`${file}: ${command}`, async () => {
      const words = command.split(/\s+/);
      const synopsis = words.some((word) => PLACEHOLDER.test(word) && word !== 'ROOMWIRE_PORT');
      const { args, env, stdin, kind } = plan(command, server.port, join(dir, 'users.json'));
      if (synopsis) {
        // A synopsis: its command exists and knows every option it names.
        const subcommand = ['client', 'users', 'cluster'].filter((name) => name === args[0]);
        const help = cli([...subcommand, '--help'], env);
        assert.equal((await help.exited).code, 0, help.stderr());
        for (const flag of words.filter((word) => /^--[a-z]/.test(word))) {
          assert.ok(help.stdout().includes(flag), `${flag} is not in the help`);
        }
        return;
      }
      const roomwire = cli(args, env);
      roomwire.child.stdin?.end(stdin);
      if (kind === 'finishes') {
        assert.equal((await roomwire.exited).code, 0, roomwire.stderr());
        return;
      }
      if (kind === 'serves') await listening(roomwire, 30_000);
      else await printed(roomwire, 'nodes sharing', 40_000);
      roomwire.child.kill(kind === 'cluster' ? 'SIGINT' : 'SIGTERM');
      assert.equal((await roomwire.exited).code, 0, roomwire.stderr());
    });
  }
});
