#!/usr/bin/env node
/** The `roomwire` command: parses arguments and hands over; nothing else lives here. */
import { readFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { ConfigError, flagName } from '../config/config.js';
import { DEFAULTS, type SettingName } from '../config/defaults.js';
import { loadConfig } from '../config/load-config.js';
import { ListenError } from '../server/listen-error.js';
import type { LogFormat } from '../server/run-server.js';
import { parseCommandLine, UsageError } from './parse-command-line.js';
import { serverHelp } from './server-help.js';

const SETTINGS = Object.keys(DEFAULTS) as SettingName[];
const LOG_FORMATS: readonly string[] = ['json', 'pretty'] satisfies LogFormat[];

function version(): string {
  const packageJson = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
  const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
  // Each command is loaded only when it runs, so that `--help` answers at once.
  if (argv[0] === 'client') {
    return (await import('./client-command.js')).runClientCommand(argv.slice(1), io);
  }
  if (argv[0] === 'cluster') {
    return (await import('./cluster-command.js')).runClusterCommand(argv.slice(1), io);
  }
  if (argv[0] === 'users') {
    return (await import('./users-command.js')).runUsersCommand(argv.slice(1), io);
  }
  const options: NonNullable<ParseArgsConfig['options']> = {
    config: { type: 'string' },
    'log-format': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  };
  for (const setting of SETTINGS) options[flagName(setting)] = { type: 'string' };
  const { values, positionals } = parseCommandLine('roomwire', argv, options, true);
  if (values.help === true) {
    process.stdout.write(serverHelp());
    return 0;
  }
  if (values.version === true) {
    process.stdout.write(`roomwire ${version()}\n`);
    return 0;
  }
  if (positionals.length > 1 || (positionals[0] !== undefined && positionals[0] !== 'serve')) {
    const commands = 'serve, client, users or cluster';
    throw new UsageError(
      `roomwire: unknown command "${positionals.join(' ')}" (the commands are ${commands}); see roomwire --help`,
    );
  }
  const logFormat = String(
    values['log-format'] ??
      process.env.ROOMWIRE_LOG_FORMAT ??
      (process.stdout.isTTY ? 'pretty' : 'json'),
  );
  if (!LOG_FORMATS.includes(logFormat)) {
    throw new UsageError(`roomwire: --log-format is json or pretty, not "${logFormat}"`);
  }
  const flags: Record<string, unknown> = { config: values.config };
  for (const setting of SETTINGS) flags[setting] = values[flagName(setting)];
  const config = await loadConfig(flags, process.env);
  const { runServer } = await import('../server/run-server.js');
  await runServer(config, { logFormat: logFormat as LogFormat, version: version() });
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    // Mistakes of the person at the keyboard, and ports taken: one line, no stack.
    const oneLine =
      error instanceof UsageError ||
      error instanceof ConfigError ||
      error instanceof ListenError ||
      typeof (error as { code?: unknown }).code === 'string';
    const message = oneLine ? (error as Error).message : String((error as Error).stack ?? error);
    process.stderr.write(`${error instanceof UsageError ? '' : 'roomwire: '}${message}\n`);
    process.exitCode = error instanceof ListenError ? 1 : 2;
  },
);
