import { pino } from 'pino';
import type { Authenticator } from '../auth/authenticator.js';
import { acceptEveryone } from '../auth/authenticator.js';
import { UsersFileAuthenticator } from '../auth/users-file.js';
import type { RoomwireConfig } from '../config/config.js';
import { listeningBanner, prettyStream } from './pretty-log.js';
import { RoomwireServer } from './roomwire-server.js';

/** How the process writes its logs: JSON lines (for machines) or short lines for a person. */
export type LogFormat = 'json' | 'pretty';

/** How {@link runServer} presents itself. */
export interface RunServerOptions {
  /** `json` unless told; the CLI picks `pretty` on a terminal. */
  readonly logFormat?: LogFormat;
  /** Shown in the banner of the pretty format. */
  readonly version?: string;
}

/**
 * Runs the server as the `roomwire serve` process: logs to stdout, stops gracefully on
 * SIGINT/SIGTERM (exit 0), and survives stray promise rejections.
 */
export async function runServer(
  config: RoomwireConfig,
  options: RunServerOptions = {},
): Promise<RoomwireServer> {
  const pretty = options.logFormat === 'pretty';
  // Buffered, asynchronous stdout: three log lines per client joining must not cost a write(2)
  // each (issue #3 profile). Lines wait at most 100 ms; pino flushes the rest at exit.
  const destination = pretty
    ? undefined
    : pino.destination({ dest: 1, sync: false, minLength: 8 * 1024, periodicFlush: 100 });
  const logger = pino(
    { level: config.logLevel, base: { pid: process.pid } },
    destination ?? prettyStream(process.stdout),
  );
  const exit = (code: number): void =>
    destination === undefined ? process.exit(code) : exitAfterLogs(destination, code);
  let authenticator: Authenticator = acceptEveryone;
  if (config.usersFile !== '') {
    authenticator = await UsersFileAuthenticator.open(config.usersFile, {
      maxConcurrent: config.authMaxConcurrent,
      maxQueued: config.authMaxQueued,
      maxQueuedPerIp: config.authMaxQueuedPerIp,
    });
    logger.info({ usersFile: config.usersFile }, 'logins are checked against the users file');
  } else {
    logger.info('no users file: every login is accepted');
  }
  const server = new RoomwireServer({ config, logger, authenticator });
  process.on('unhandledRejection', (reason) => server.unhandledRejection(reason));
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting at once');
      exit(1);
      return;
    }
    logger.info({ signal }, 'shutting down');
    // A backstop: whatever hangs, the process is gone shortly after the grace period.
    setTimeout(
      () => {
        logger.error('shutdown did not finish in time: exiting');
        exit(1);
      },
      config.shutdownGraceMs + config.closeFlushMs + 1000,
    ).unref();
    server.stop().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Started with an IPC channel (a node of `roomwire cluster`): when the parent is gone, however
  // it went, the channel closes and the node stops as on SIGTERM instead of running on, orphaned.
  if (process.channel !== undefined) {
    process.channel.unref();
    process.once('disconnect', () => onSignal('SIGTERM'));
  }
  const address = await server.start();
  if (pretty) process.stdout.write(listeningBanner(address, options.version ?? ''));
  return server;
}

/** How long an exit waits for buffered log lines to be written. */
const LOG_FLUSH_WAIT_MS = 500;

/**
 * Exits once the buffered log lines are written, or after {@link LOG_FLUSH_WAIT_MS}. pino flushes
 * synchronously at exit, and sonic-boom retries a failed synchronous write forever: a stdout pipe
 * whose reader went away (EPIPE) or stopped reading (EAGAIN) would keep the process alive after
 * SIGTERM. So the synchronous flush is turned off first; what could not be written is lost.
 */
function exitAfterLogs(destination: ReturnType<typeof pino.destination>, code: number): void {
  let exiting = false;
  const exitNow = (): void => {
    if (exiting) return;
    exiting = true;
    destination.flushSync = () => {};
    process.exit(code);
  };
  setTimeout(exitNow, LOG_FLUSH_WAIT_MS);
  try {
    destination.flush(() => exitNow());
  } catch {
    exitNow();
  }
}
