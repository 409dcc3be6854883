/** node:util `parseArgs` with messages for people: what was wrong, the nearest option, --help. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command line that cannot be run; main.ts prints the message and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `args` for `command` (`roomwire client`...); throws a {@link UsageError} naming the
 * problem, suggesting the nearest option and pointing to `command --help`.
 */
export function parseCommandLine<T extends Options>(
  command: string,
  args: readonly string[],
  options: T,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ options: T; allowPositionals: boolean; strict: true }>> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(`${command}: ${problem(error, options)}; see ${command} --help`, {
      cause: error,
    });
  }
}

function problem(error: unknown, options: Options): string {
  const { code, message } = error as { code?: string; message: string };
  const option = /'(-[^' ]*)/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const nearest = nearestOption(option.replace(/^-+/, '').split('=')[0] ?? '', options);
      return `unknown option ${option}${nearest === undefined ? '' : ` (did you mean --${nearest}?)`}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return options[option.replace(/^-+/, '')]?.type === 'boolean'
        ? `${option} takes no value`
        : `${option} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}`;
    default:
      return message;
  }
}

/** The known option closest to `typed` (a typo or a prefix), if one is close enough. */
export function nearestOption(typed: string, options: Options): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of Object.keys(options)) {
    const distance = name.startsWith(typed) && typed.length >= 3 ? 0.5 : editDistance(typed, name);
    if (best === undefined || distance < best.distance) best = { name, distance };
  }
  const allowed = typed.length <= 3 ? 1 : Math.max(2, Math.floor(typed.length / 3));
  return best !== undefined && best.distance <= allowed ? best.name : undefined;
}

/** Edit distance with transpositions (`prot` is one edit from `port`). */
function editDistance(from: string, to: string): number {
  const rows: number[][] = [Array.from({ length: to.length + 1 }, (_, index) => index)];
  for (let i = 1; i <= from.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= to.length; j += 1) {
      const above = rows[i - 1] ?? [];
      const cost = from[i - 1] === to[j - 1] ? 0 : 1;
      let best = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && from[i - 1] === to[j - 2] && from[i - 2] === to[j - 1]) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return rows[from.length]?.[to.length] ?? 0;
}
