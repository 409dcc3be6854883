import { after, before } from 'node:test';
import { pino } from 'pino';
import type { Authenticator } from '../../src/auth/authenticator.js';
import { buildConfig, type RoomwireConfig } from '../../src/config/config.js';
import { RoomwireServer } from '../../src/server/roomwire-server.js';
import { LineClient } from './line-client.js';

/** A running server on an ephemeral loopback port, for integration tests. */
export interface TestServer {
  readonly server: RoomwireServer;
  readonly port: number;
  /** The HTTP port: WebSocket endpoint, admin API, metrics and pages. */
  readonly httpPort: number;
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
    {
      source: 'test',
      values: { host: '127.0.0.1', port: 0, httpPort: 0, shutdownGraceMs: 500, ...settings },
    },
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
  const { port, httpPort } = await server.start();
  return { server, port, httpPort, config, stop: () => server.stop() };
}

/** A server shared by one `describe` block, and the clients its tests opened. */
export interface ServerFixture {
  readonly port: () => number;
  /** Connects a client that is closed when the block ends. */
  connect(): Promise<LineClient>;
  /** Connects and logs in a client that is closed when the block ends. */
  login(username: string): Promise<{ client: LineClient; id: number }>;
}

/** Starts a server before the block's tests and stops it, with every client opened, after them. */
export function useTestServer(settings: Record<string, unknown> = {}): ServerFixture {
  let running: TestServer | undefined;
  const open: LineClient[] = [];
  before(async () => {
    running = await startTestServer(settings);
  });
  after(async () => {
    for (const client of open) client.close();
    await running?.stop();
  });
  const port = (): number => {
    if (running === undefined) throw new Error('the test server is not running');
    return running.port;
  };
  return {
    port,
    async connect() {
      const client = await LineClient.connect(port());
      open.push(client);
      return client;
    },
    async login(username) {
      const result = await LineClient.login(port(), username);
      open.push(result.client);
      return result;
    },
  };
}

/** Servers started by one `describe` block, and clients to close, all ended after the block. */
export interface ServerPool {
  start(
    settings?: Record<string, unknown>,
    authenticator?: Authenticator,
    options?: TestServerOptions,
  ): Promise<TestServer>;
  /** Closes these clients after the block. */
  track(...clients: { close(): void }[]): void;
}

/** A {@link ServerPool} whose servers all get `defaults` under their own settings. */
export function useServerPool(defaults: Record<string, unknown> = {}): ServerPool {
  const servers: TestServer[] = [];
  const clients: { close(): void }[] = [];
  after(async () => {
    for (const client of clients) client.close();
    for (const server of servers) await server.stop();
  });
  return {
    async start(settings = {}, authenticator, options) {
      const server = await startTestServer({ ...defaults, ...settings }, authenticator, options);
      servers.push(server);
      return server;
    },
    track(...opened) {
      clients.push(...opened);
    },
  };
}
