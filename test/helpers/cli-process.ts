import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const LISTENING = 'roomwire listening on tcp and udp';

/** A running `roomwire` process and what it printed. */
export interface Cli {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

/** Kills every process started by {@link cli} that is still running. */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Starts `roomwire` (the built CLI) with `args`, on a free HTTP port unless `env` says otherwise. */
export function cli(args: readonly string[], env: Record<string, string> = {}): Cli {
  // Settings from the environment of whoever runs the tests must not leak in.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('ROOMWIRE_')),
  );
  const child = spawn(process.execPath, [MAIN, ...args], {
    // A free HTTP port, so that tests running side by side do not collide on 8080.
    env: { ...base, ROOMWIRE_HTTP_PORT: '0', ...env },
    stdio: 'pipe',
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Resolves with the port of the `listening` log line; fails if the process exits first. */
export async function listeningPort(roomwire: Cli, timeoutMs = 5000): Promise<number> {
  return (await listening(roomwire, timeoutMs)).port;
}

/** Resolves with the ports of the `listening` log line (log level info or lower). */
export async function listening(
  roomwire: Cli,
  timeoutMs = 5000,
): Promise<{ port: number; httpPort: number }> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void roomwire.exited.then(() => (exited = true));
  for (;;) {
    for (const line of roomwire.stdout().split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; port?: number; httpPort?: number };
      if (entry.msg === LISTENING && typeof entry.port === 'number') {
        return { port: entry.port, httpPort: entry.httpPort ?? 0 };
      }
    }
    if (exited) assert.fail(`exited before listening: ${roomwire.stderr()}`);
    if (Date.now() > deadline)
      assert.fail(`no listening line within ${timeoutMs} ms: ${roomwire.stdout()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Sends SIGTERM and resolves with the exit code. */
export async function stop(roomwire: Cli): Promise<number | null> {
  roomwire.child.kill('SIGTERM');
  return (await roomwire.exited).code;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
