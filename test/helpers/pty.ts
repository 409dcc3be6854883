import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** A process running on a pseudo-terminal (util-linux `script`), typed at through its stdin. */
export interface PtyProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything the terminal showed so far, escape sequences included. */
  readonly output: () => string;
  /** Types raw bytes at the terminal: `\x03` is Ctrl-C, `\x04` Ctrl-D, `\r` Enter. */
  readonly type: (keys: string) => void;
  /** Resolves once the terminal showed `text`. */
  readonly shown: (text: string | RegExp, timeoutMs?: number) => Promise<void>;
  /** The exit code of the command (script -e passes it on), or a signal name. */
  readonly exited: Promise<number | string | null>;
}

const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;

/** Runs `command ...args` on a fresh pseudo-terminal, as a person at a terminal would. */
export function onPty(command: string, args: readonly string[]): PtyProcess {
  // `script` runs the line with $SHELL -c. `exec` makes the command the terminal's foreground
  // process itself: dash (Debian's /bin/sh) would otherwise stay in between, die of the Ctrl-C
  // and report 130 whatever the command did with the signal.
  const line = `exec ${[command, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-qfec', line, '/dev/null'], {
    stdio: 'pipe',
    env: { ...process.env, TERM: 'dumb', COLUMNS: '120', LINES: '40' },
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  return {
    child,
    output: () => output,
    type: (keys) => child.stdin.write(keys),
    async shown(text, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      const found = (): boolean =>
        typeof text === 'string' ? output.includes(text) : text.test(output);
      while (!found()) {
        if (Date.now() > deadline) assert.fail(`the terminal never showed ${text}:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    exited,
  };
}

/** Resolves with the exit, or fails when the process is still running after `timeoutMs`. */
export async function exitsWithin(
  pty: PtyProcess,
  timeoutMs: number,
): Promise<number | string | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((resolve) => {
    timer = setTimeout(() => resolve('still running'), timeoutMs);
  });
  const outcome = await Promise.race([pty.exited, late]);
  clearTimeout(timer);
  if (outcome === 'still running') {
    pty.child.kill('SIGKILL');
    assert.fail(`still running ${timeoutMs} ms later; the terminal showed:\n${pty.output()}`);
  }
  return outcome;
}
