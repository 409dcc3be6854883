/**
 * Builds the bench's C relay (bench/c-relay.c) with the machine's C compiler into
 * dist/bench/c-relay, once per change of the source. Without a compiler the C relay is
 * skipped with a note: it is a reference, never a requirement.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './against.js';

export const C_RELAY_SOURCE = join(ROOT, 'bench', 'c-relay.c');
export const C_RELAY_BINARY = join(ROOT, 'dist', 'bench', 'c-relay');

function compiler(): string | undefined {
  for (const name of [process.env.CC, 'cc', 'gcc', 'clang']) {
    if (name === undefined || name === '') continue;
    try {
      execFileSync(name, ['--version'], { stdio: 'ignore' });
      return name;
    } catch {
      // Not this one.
    }
  }
  return undefined;
}

/** The path of the built relay, or undefined (with the reason logged) when it cannot be built. */
export function buildCRelay(log: (text: string) => void): string | undefined {
  if (!existsSync(C_RELAY_SOURCE)) {
    log(`note: no ${C_RELAY_SOURCE}: the C relay is skipped`);
    return undefined;
  }
  if (
    existsSync(C_RELAY_BINARY) &&
    statSync(C_RELAY_BINARY).mtimeMs >= statSync(C_RELAY_SOURCE).mtimeMs
  ) {
    return C_RELAY_BINARY;
  }
  const cc = compiler();
  if (cc === undefined) {
    log('note: no C compiler (cc, gcc, clang or $CC): the C relay is skipped');
    return undefined;
  }
  try {
    execFileSync(cc, ['-O2', '-o', C_RELAY_BINARY, C_RELAY_SOURCE], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return C_RELAY_BINARY;
  } catch (error) {
    log(`note: ${cc} could not build the C relay, it is skipped: ${String(error)}`);
    return undefined;
  }
}
