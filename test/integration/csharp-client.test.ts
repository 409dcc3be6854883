/**
 * The C# client (clients/csharp/) against a real server: compiles the library and its tests with
 * Debian's `mcs`, runs them under `mono` with the port of a server started here, and reports
 * each C# test as one test here. Without the compiler the tests are skipped, except under CI
 * (CI=true), where that is a failure: `scripts/ensure-test-deps.sh` installs it.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { connect, type ClientEvents, type RoomwireClient } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const CSHARP_DIR = fileURLToPath(new URL('../../../clients/csharp/', import.meta.url));
const hasCompiler = spawnSync('mcs', ['--version']).status === 0;
const inCi = process.env.CI === 'true';

function sources(folder: string): string[] {
  const dir = join(CSHARP_DIR, folder);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cs'))
    .map((name) => join(dir, name));
}

/** Compiles with the C# 6 language level that Unity and Debian's mcs both accept. */
function compile(out: string, target: string, files: string[], references: string[] = []): void {
  const args = ['-langversion:6', '-warnaserror+', `-target:${target}`, `-out:${out}`];
  const result = spawnSync('mcs', [...args, ...references.map((ref) => `-r:${ref}`), ...files], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`mcs failed:\n${result.stdout}${result.stderr}`);
}

let buildDir: string | undefined;
let testNames: string[] = [];
if (hasCompiler) {
  buildDir = mkdtempSync(join(tmpdir(), 'roomwire-csharp-'));
  const library = join(buildDir, 'Roomwire.dll');
  compile(library, 'library', sources('src'));
  compile(join(buildDir, 'RoomwireTests.exe'), 'exe', sources('tests'), [library]);
  const listed = spawnSync('mono', [join(buildDir, 'RoomwireTests.exe'), 'list'], {
    encoding: 'utf8',
  });
  testNames = listed.stdout.split('\n').filter((line) => line !== '');
}

/** Runs the C# test program; resolves with its output once it exits. */
function mono(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('mono', [join(buildDir ?? '', 'RoomwireTests.exe'), ...args], {
      env: { ...process.env, ...env },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill(), 90_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

/** Resolves with the next `event` that passes `accept`. */
function nextEvent<K extends keyof ClientEvents>(
  client: RoomwireClient,
  event: K,
  accept: (value: ClientEvents[K]) => boolean = () => true,
): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} event in 10 s`)), 10_000);
    const off = client.on(event, (value) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
}

describe('the C# client under mono', { timeout: 120_000 }, () => {
  if (!hasCompiler) {
    it('needs mcs and mono (Debian: mono-mcs, mono-runtime; scripts/ensure-test-deps.sh)', (t) => {
      assert.ok(!inCi, 'mcs is missing under CI: scripts/ensure-test-deps.sh installs it');
      t.skip('mcs is not installed');
    });
    return;
  }
  let server: TestServer;
  /** Sessions end 400 ms after their connection breaks: the resume fallback is tested on it. */
  let shortTtl: TestServer;
  let results: Map<string, string>;
  let summary = '';
  before(async () => {
    // Accepts every password but `wrong`, so that refused logins can be tested.
    server = await startTestServer(
      {},
      { verify: (_user, password) => Promise.resolve(password !== 'wrong') },
    );
    shortTtl = await startTestServer({ resumeTtlMs: 400 });
    const run = await mono(['run', String(server.port)], {
      ROOMWIRE_SHORT_TTL_PORT: String(shortTtl.port),
    });
    summary = run.output;
    results = new Map();
    for (const line of run.output.split('\n')) {
      const match = /^(ok|not ok) (.*?)(?: \(\d+ ms\)| :: (.*))?$/.exec(line);
      if (match?.[2] !== undefined)
        results.set(match[2], match[1] === 'ok' ? 'ok' : (match[3] ?? ''));
    }
  });
  after(async () => {
    await server.stop();
    await shortTtl.stop();
    if (buildDir !== undefined) rmSync(buildDir, { recursive: true, force: true });
  });

  for (const name of testNames) {
    it(name, () => {
      const result = results.get(name);
      assert.ok(result !== undefined, `no result for this test; the run printed:\n${summary}`);
      assert.equal(result, 'ok');
    });
  }

  it('shares a room with a TypeScript client: messages, joins, leaves and master changes', async () => {
    const ts = await connect({ host: '127.0.0.1', port: server.port });
    try {
      const tsId = await ts.login('typescript');
      await ts.join('mixed');
      const csJoined = nextEvent(ts, 'joined', (event) => !event.self);
      const helloFromCs = nextEvent(ts, 'message');
      const csharp = mono(['interop', String(server.port), 'mixed']);

      const csId = (await csJoined).clientId;
      const hello = await helloFromCs;
      assert.deepEqual(hello, { senderId: csId, payload: 'hello from C#', unreliable: false });
      ts.send(0, 'hello from TypeScript');
      await ts.leave();

      // Listening before the join: the C# client answers it at once.
      const bye = nextEvent(ts, 'message');
      const csLeft = nextEvent(ts, 'left', (event) => event.clientId === csId);
      const master = nextEvent(ts, 'master', (event) => event.masterId === tsId);
      const view = await ts.join('mixed');
      assert.deepEqual(view, { name: 'mixed', members: [csId, tsId], masterId: csId });
      assert.deepEqual(await bye, { senderId: csId, payload: 'bye from C#', unreliable: false });
      await csLeft;
      assert.deepEqual(await master, { masterId: tsId, room: 'mixed' });
      const run = await csharp;
      assert.equal(run.status, 0, run.output);
      assert.match(run.output, /^ok$/m);
    } finally {
      await ts.close();
    }
  });
});
