#!/usr/bin/env node
/** The `roomwire` command: parses arguments and hands over; nothing else lives here. */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, envName, flagName } from '../config/config.js';
import { DEFAULTS, type SettingName } from '../config/defaults.js';
import { loadConfig } from '../config/load-config.js';
import { runServer } from '../server/run-server.js';
import { runClientCommand } from './client-command.js';
import { runClusterCommand } from './cluster-command.js';
import { runUsersCommand } from './users-command.js';

const SETTINGS = Object.keys(DEFAULTS) as SettingName[];
/** The help's first column: the longest `  --flag VALUE`, plus a space. */
const FLAG_WIDTH = Math.max(29, ...SETTINGS.map((setting) => flagName(setting).length + 11));

const USAGE = `Usage: roomwire [serve] [options]
       roomwire users add NAME [--users-file FILE]
       roomwire client [--host HOST] [--port PORT] [--name NAME] [--room ROOM] [--raw]
       roomwire cluster [--nodes N] [--redis URL] [--port PORT] [--http-port PORT]

Roomwire relays VelNet-protocol messages between game clients over TCP and UDP.

Options (each also as an environment variable, or a key of the --config JSON file;
precedence: flags, then environment, then file, then defaults):
${'  --config FILE'.padEnd(FLAG_WIDTH)}JSON file of settings (env ROOMWIRE_CONFIG)
${SETTINGS.map((setting) => `  --${flagName(setting)} VALUE`.padEnd(FLAG_WIDTH) + `default ${JSON.stringify(DEFAULTS[setting])}, env ${envName(setting)}`).join('\n')}
${'  -h, --help'.padEnd(FLAG_WIDTH)}show this help
${'  -v, --version'.padEnd(FLAG_WIDTH)}print the version
`;

function version(): string {
  const packageJson = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'client') {
    return runClientCommand(argv.slice(1), {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
    });
  }
  if (argv[0] === 'cluster') {
    return runClusterCommand(argv.slice(1), { stdout: process.stdout, stderr: process.stderr });
  }
  if (argv[0] === 'users') {
    return runUsersCommand(argv.slice(1), {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
    });
  }
  const options: NonNullable<ParseArgsConfig['options']> = {
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  };
  for (const setting of SETTINGS) options[flagName(setting)] = { type: 'string' };
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version === true) {
    process.stdout.write(`roomwire ${version()}\n`);
    return 0;
  }
  if (positionals.length > 1 || (positionals[0] !== undefined && positionals[0] !== 'serve')) {
    process.stderr.write(`roomwire: unknown command ${positionals.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  const flags: Record<string, unknown> = { config: values.config };
  for (const setting of SETTINGS) flags[setting] = values[flagName(setting)];
  const config = await loadConfig(flags, process.env);
  await runServer(config);
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    const known =
      error instanceof ConfigError || typeof (error as { code?: unknown }).code === 'string';
    process.stderr.write(
      `roomwire: ${known ? (error as Error).message : String((error as Error).stack ?? error)}\n`,
    );
    process.exitCode = 2;
  },
);
