import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LineClient } from '../helpers/line-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const STAMP = String.raw`\d\d:\d\d:\d\d\.\d{3}`;

/** `roomwire client ...` as a real process with piped stdin: the non-interactive mode. */
interface CliClient {
  readonly child: ChildProcessWithoutNullStreams;
  readonly output: () => string;
  readonly input: (line: string) => void;
  /** Resolves when stdout has a line matching `pattern`. */
  readonly printed: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
  readonly exited: Promise<number | null>;
}

const running = new Set<ChildProcessWithoutNullStreams>();

function cliClient(args: readonly string[]): CliClient {
  const child = spawn(process.execPath, [MAIN, 'client', ...args], { stdio: 'pipe' });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return {
    child,
    output: () => stdout,
    input: (line) => child.stdin.write(`${line}\n`),
    async printed(pattern, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = stdout.split('\n').find((candidate) => pattern.test(candidate));
        if (line !== undefined) return line;
        if (Date.now() > deadline) {
          assert.fail(`no line matching ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    exited,
  };
}

describe('roomwire client, reading commands from a pipe', { timeout: 30_000 }, () => {
  let server: TestServer;
  const open: LineClient[] = [];
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    for (const child of running) child.kill('SIGKILL');
    for (const client of open) client.close();
    await server.stop();
  });

  it('logs in, joins, says and shows what arrives with sender and time', async () => {
    const { client: peer, id: peerId } = await LineClient.login(server.port, 'peer');
    open.push(peer);
    peer.send('2:cli-room');
    await peer.nextLines(2);
    const cli = cliClient([
      '--port',
      String(server.port),
      '--name',
      'scripted',
      '--room',
      'cli-room',
    ]);
    const joined = await cli.printed(/ in cli-room with /);
    const cliId = Number(/with \d+, (\d+); master/.exec(joined)?.[1]);
    assert.match(
      joined,
      new RegExp(`^${STAMP} in cli-room with ${peerId}, ${cliId}; master ${peerId}$`),
    );
    assert.equal(await peer.next(), `2:${cliId}:cli-room`);

    cli.input('say hello: from a script');
    assert.equal(await peer.next(), `3:${cliId}:hello: from a script`);
    peer.send('3:0:hi script');
    await cli.printed(new RegExp(`^${STAMP} \\[${peerId}\\] hi script$`));
    cli.input('rooms');
    await cli.printed(/^\S+ rooms: cli-room \(2\)$/);
    peer.send('2:-1');
    await cli.printed(new RegExp(`^${STAMP} \\* ${peerId} left cli-room$`));
    await cli.printed(new RegExp(`^${STAMP} \\* master of cli-room is ${cliId}$`));

    cli.child.stdin.end();
    assert.equal(await cli.exited, 0);
  });

  it('prints refusals and exits 1 when a command failed', async () => {
    const { client: owner } = await LineClient.login(server.port, 'owner');
    open.push(owner);
    owner.send('2:locked:secret');
    await owner.nextLines(2);
    const cli = cliClient(['--port', String(server.port), '--wait', '0']);
    cli.child.stdin.end('login guest\njoin locked wrong\nsend 9 x\ntell nobody hi\nnonsense\n');
    assert.equal(await cli.exited, 1);
    assert.match(cli.output(), /! wrong_room_password: wrong password for this private room/);
    assert.match(cli.output(), /! bad_argument: mode is 0, 1, 2 or 3, got 9/);
    assert.match(cli.output(), /! unknown_command: nonsense; type help/);
    // Client-side errors name no library function.
    assert.match(cli.output(), /! unknown_group: no group nobody: define it first$/m);
  });

  it('sends and prints protocol lines as they are with --raw', async () => {
    const cli = cliClient(['--port', String(server.port), '--raw', '--wait', '200']);
    cli.child.stdin.end('0:raw:pw\n2:raw-room\n7\n');
    await cli.printed(new RegExp(`^${STAMP} < 0:\\d+(:[\\w-]+)?$`));
    await cli.printed(/< 4:\d+$/);
    await cli.printed(/< 9:unknown_command:/);
    assert.equal(await cli.exited, 0);
  });

  it('fails with a message when no server listens', async () => {
    const cli = cliClient(['--port', '1']);
    cli.child.stdin.end();
    assert.equal(await cli.exited, 1);
  });
});
