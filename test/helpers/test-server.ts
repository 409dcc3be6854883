import { pino } from 'pino';
import type { Authenticator } from '../../src/auth/authenticator.js';
import { buildConfig, type RoomwireConfig } from '../../src/config/config.js';
import { RoomwireServer } from '../../src/server/roomwire-server.js';

/** A running server on an ephemeral loopback port, for integration tests. */
export interface TestServer {
  readonly server: RoomwireServer;
  readonly port: number;
  readonly config: RoomwireConfig;
  stop(): Promise<void>;
}

/** Extra options of {@link startTestServer}. */
export interface TestServerOptions {
  /** Receives every log entry, parsed; the level defaults to `debug` when this is given. */
  readonly onLog?: (entry: Record<string, unknown>) => void;
  readonly logLevel?: string;
}

/** Starts a server on 127.0.0.1, port 0 (TCP and UDP), with silent logs unless LOG_LEVEL is set. */
export async function startTestServer(
  settings: Record<string, unknown> = {},
  authenticator?: Authenticator,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const config = buildConfig([
    { source: 'test', values: { host: '127.0.0.1', port: 0, shutdownGraceMs: 500, ...settings } },
  ]);
  const { onLog } = options;
  const level = options.logLevel ?? process.env.LOG_LEVEL ?? (onLog ? 'debug' : 'silent');
  const logger =
    onLog === undefined
      ? pino({ level })
      : pino(
          { level },
          { write: (line: string) => onLog(JSON.parse(line) as Record<string, unknown>) },
        );
  const server = new RoomwireServer({
    config,
    logger,
    ...(authenticator ? { authenticator } : {}),
  });
  const { port } = await server.start();
  return { server, port, config, stop: () => server.stop() };
}
