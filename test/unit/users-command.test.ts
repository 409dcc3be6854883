import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { UsersFileAuthenticator } from '../../src/auth/users-file.js';
import { runUsersCommand } from '../../src/cli/users-command.js';

let dir = '';
let fileCount = 0;
const freshFile = (): string => join(dir, `users-${++fileCount}.json`);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomwire-users-command-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

type Stdin = NodeJS.ReadableStream & { isTTY?: boolean };

/** Runs the command with captured output; `onStderr` sees each chunk as it is written. */
async function run(
  args: string[],
  stdin: Stdin = Readable.from(['secret\n']),
  env: Record<string, string> = {},
  onStderr: (chunk: string) => void = () => undefined,
): Promise<RunResult> {
  const stdout = new PassThrough({ encoding: 'utf8' });
  const stderr = new PassThrough({ encoding: 'utf8' });
  let out = '';
  let err = '';
  stdout.on('data', (chunk: string) => (out += chunk));
  stderr.on('data', (chunk: string) => {
    err += chunk;
    onStderr(chunk);
  });
  const code = await runUsersCommand(args, { stdin, stdout, stderr, env });
  stdout.end();
  stderr.end();
  await Promise.all([finished(stdout), finished(stderr)]);
  return { code, stdout: out, stderr: err };
}

async function verify(file: string, username: string, password: string): Promise<boolean | 'busy'> {
  return (await UsersFileAuthenticator.open(file)).verify(username, password);
}

describe('roomwire users add', () => {
  test('adds the user with the first line of piped stdin as password', async () => {
    const file = freshFile();
    const result = await run(['add', 'alice', '--users-file', file]);
    assert.deepEqual(result, { code: 0, stdout: `added user alice to ${file}\n`, stderr: '' });
    assert.equal(await verify(file, 'alice', 'secret'), true);
  });

  test('strips a trailing carriage return and ignores lines after the first', async () => {
    const file = freshFile();
    const stdin = Readable.from(['pass', 'word\r\nsecond line\n']);
    assert.equal((await run(['add', 'bob', '--users-file', file], stdin)).code, 0);
    assert.equal(await verify(file, 'bob', 'password'), true);
  });

  test('takes the users file from ROOMWIRE_USERS_FILE when the flag is absent', async () => {
    const file = freshFile();
    const result = await run(['add', 'carol'], undefined, { ROOMWIRE_USERS_FILE: file });
    assert.equal(result.code, 0);
    assert.equal(await verify(file, 'carol', 'secret'), true);
  });

  test('prefers --users-file over ROOMWIRE_USERS_FILE', async () => {
    const flagFile = freshFile();
    const env = { ROOMWIRE_USERS_FILE: join(dir, 'not-used.json') };
    const result = await run(['add', 'dave', '--users-file', flagFile], undefined, env);
    assert.equal(result.stdout, `added user dave to ${flagFile}\n`);
    assert.equal(await verify(flagFile, 'dave', 'secret'), true);
  });

  test('writes roomwire-users.json in the current directory by default', async () => {
    const previous = process.cwd();
    process.chdir(dir);
    try {
      const result = await run(['add', 'erin']);
      assert.equal(result.stdout, 'added user erin to roomwire-users.json\n');
      assert.equal(await verify(join(dir, 'roomwire-users.json'), 'erin', 'secret'), true);
    } finally {
      process.chdir(previous);
    }
  });

  test('refuses an empty password on stdin', async () => {
    const file = freshFile();
    const result = await run(['add', 'frank', '--users-file', file], Readable.from(['\n']));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no password on standard input/);
  });

  test('refuses a username with a colon before reading the password', async () => {
    const stdin = Readable.from(['secret\n']);
    const result = await run(['add', 'a:b', '--users-file', freshFile()], stdin);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /username must not contain ":"/);
    assert.equal(stdin.readableEnded, false);
  });

  test('asks twice without echo when stdin is a terminal', async () => {
    const file = freshFile();
    const stdin: Stdin = Object.assign(new PassThrough(), { isTTY: true });
    const answers = ['hunter2\r', 'hunter2\r'];
    const answer = (chunk: string): void => {
      if (chunk.includes('Password')) (stdin as PassThrough).write(answers.shift());
    };
    const result = await run(['add', 'grace', '--users-file', file], stdin, {}, answer);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Password: [\s\S]*Password again: /);
    assert.ok(!result.stderr.includes('hunter2'));
    assert.equal(await verify(file, 'grace', 'hunter2'), true);
  });

  test('fails when the two passwords typed on a terminal differ', async () => {
    const stdin: Stdin = Object.assign(new PassThrough(), { isTTY: true });
    const answers = ['hunter2\r', 'hunter3\r'];
    const answer = (chunk: string): void => {
      if (chunk.includes('Password')) (stdin as PassThrough).write(answers.shift());
    };
    const result = await run(['add', 'heidi', '--users-file', freshFile()], stdin, {}, answer);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /passwords do not match/);
  });

  test('fails when the prompt is cancelled with Ctrl-C', async () => {
    const stdin: Stdin = Object.assign(new PassThrough(), { isTTY: true });
    const answer = (chunk: string): void => {
      if (chunk.includes('Password')) (stdin as PassThrough).write('\x03');
    };
    const result = await run(['add', 'ivan', '--users-file', freshFile()], stdin, {}, answer);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cancelled/);
  });
});

describe('roomwire users', () => {
  test('prints usage and exits 0 for --help', async () => {
    for (const args of [['--help'], ['add', '--help'], ['-h']]) {
      const result = await run(args);
      assert.equal(result.code, 0);
      assert.match(result.stdout, /^Usage: roomwire users add NAME \[--users-file FILE\]/);
      assert.equal(result.stderr, '');
    }
  });

  test('exits 2 with usage for a missing or unknown subcommand', async () => {
    assert.match((await run([])).stderr, /missing command[\s\S]*Usage:/);
    const result = await run(['delete', 'alice']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown command "delete" \(add, list or remove\)/);
  });

  test('exits 2 when NAME is missing or repeated', async () => {
    for (const args of [['add'], ['add', 'alice', 'bob'], ['remove']]) {
      const result = await run(args);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /expected exactly one NAME/);
    }
  });

  test('exits 2 for an unknown option, naming the nearest one', async () => {
    const result = await run(['add', 'alice', '--users-fil', 'x.json']);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /unknown option --users-fil \(did you mean --users-file\?\); see roomwire users --help/,
    );
  });

  test('says "replaced" when the user existed, lists and removes users', async () => {
    const file = freshFile();
    assert.match((await run(['add', 'bob', '--users-file', file])).stdout, /^added user bob/);
    const again = await run(['add', 'bob', '--users-file', file], Readable.from(['other\n']));
    assert.equal(again.stdout, `replaced the password of user bob in ${file}\n`);
    assert.equal(await verify(file, 'bob', 'other'), true);
    await run(['add', 'alice', '--users-file', file]);
    assert.equal((await run(['list', '--users-file', file])).stdout, 'alice\nbob\n');
    const removed = await run(['remove', 'bob', '--users-file', file]);
    assert.equal(removed.stdout, `removed user bob from ${file}\n`);
    assert.equal((await run(['list', '--users-file', file])).stdout, 'alice\n');
    const missing = await run(['remove', 'bob', '--users-file', file]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no user bob in /);
  });
});
