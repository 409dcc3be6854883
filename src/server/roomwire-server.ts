import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { registerAdmin, type AdminHandle } from '../admin/admin-routes.js';
import { acceptEveryone, type Authenticator } from '../auth/authenticator.js';
import type { Backplane } from '../cluster/backplane.js';
import type { RoomwireConfig } from '../config/config.js';
import { parseIpList } from '../config/ip-list.js';
import { parseOriginList } from '../config/origins.js';
import { Relay, viewOf, type RelayView } from '../core/relay.js';
import type { ConnId, RelayInput, RelayLimits } from '../core/types.js';
import { encodeError } from '../protocol/encode.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import type { Connection, ConnectionHandlers } from '../transports/connection.js';
import { TcpTransport } from '../transports/tcp-transport.js';
import { UdpTransport } from '../transports/udp-transport.js';
import { WebSocketTransport } from '../transports/websocket-transport.js';
import { adminSource, ReadinessChecks } from './admin-wiring.js';
import { backplaneSequencer } from './backplane-sequencer.js';
import { createBackplane } from './cluster-wiring.js';
import { registerClientPages } from './client-pages.js';
import { createEffectRunner } from './effect-runner.js';
import { ListenError } from './listen-error.js';
import { RefusalLog } from './refusal-log.js';
import { HttpServer } from '../http/http-server.js';
import { ServerCounters } from '../admin/server-counters.js';

/** Picks of an ephemeral port before giving up on finding it free for UDP as well. */
const EPHEMERAL_PORT_ATTEMPTS = 5;

/** What a {@link RoomwireServer} is built from. */
export interface RoomwireServerOptions {
  readonly config: RoomwireConfig;
  readonly logger: Logger;
  readonly authenticator?: Authenticator;
}

/** The ports the server is listening on. */
export interface ListeningAddress {
  readonly host: string;
  /** TCP and UDP. */
  readonly port: number;
  /** WebSocket endpoint, admin API, metrics and pages. */
  readonly httpPort: number;
}

/**
 * The composition root: builds the core and the transports, feeds one into the other, and owns
 * connection ids and client ids. The only module that knows all the others.
 */
export class RoomwireServer {
  /** The core's snapshots, read-only: rooms, sessions, counts. */
  readonly view: RelayView;
  readonly #relay: Relay;
  readonly #config: RoomwireConfig;
  readonly #logger: Logger;
  readonly #connections = new Map<ConnId, Connection>();
  readonly #tcp: TcpTransport;
  readonly #udp: UdpTransport;
  readonly #http: HttpServer;
  readonly #ws: WebSocketTransport;
  readonly #counters = new ServerCounters();
  readonly #admin: AdminHandle;
  readonly #readiness = new ReadinessChecks();
  readonly #listening = { tcp: false, udp: false, http: false };
  /** Cluster mode only (`--cluster`): the Redis backplane, built by `start`. */
  #backplane: Backplane | undefined;
  #nextConnId = 1;
  #nextClientId = 1;
  #stopping: Promise<void> | undefined;
  readonly #refusals: RefusalLog;
  #ticker: NodeJS.Timeout | undefined;

  constructor(options: RoomwireServerOptions) {
    const { config, logger } = options;
    this.#config = config;
    this.#logger = logger;
    const clustered = config.cluster !== '';
    const refusals = new RefusalLog(logger);
    this.#refusals = refusals;
    const runEffect = createEffectRunner({
      refusals,
      connections: this.#connections,
      sendDatagram: (to, data) => this.#udp.send(to, data),
      authenticator: options.authenticator ?? acceptEveryone,
      answerAuth: (connId, verdict) =>
        this.#input(
          {
            type: 'auth-result',
            connId,
            accepted: verdict === true,
            ...(verdict === 'busy' ? { busy: true } : {}),
          },
          this.#connections.get(connId),
        ),
      logger,
      counters: this.#counters,
    });
    this.#relay = new Relay({
      limits: relayLimits(config),
      ids: clustered
        ? { next: () => this.#backplane?.ids.next() ?? -1 }
        : { next: () => this.#nextClientId++ },
      emit: runEffect,
      // §10: 192 random bits per login, base64url.
      tokens: { next: () => randomBytes(24).toString('base64url') },
      // Without --cluster the core's own in-process sequencer orders every room.
      ...(clustered
        ? { sequencer: backplaneSequencer((request) => this.#backplane?.request(request)) }
        : {}),
      udpTokens: () => randomBytes(12).toString('base64url'),
    });
    this.view = viewOf(this.#relay);
    const writeWatch = {
      softBytes: config.slowConsumerSoftBytes,
      softMs: config.slowConsumerSoftMs,
      stallMs: config.writeStallMs,
    };
    this.#tcp = new TcpTransport({
      host: config.host,
      port: config.port,
      maxLineLength: config.maxLineLength,
      maxQueuedBytes: config.maxQueuedBytes,
      keepAliveMs: config.tcpKeepAliveMs,
      closeFlushMs: config.closeFlushMs,
      partialLineTimeoutMs: config.partialLineTimeoutMs,
      writeWatch,
      nextConnId: () => this.#nextConnId++,
      handlers: this.#connectionHandlers(),
      logger,
    });
    this.#udp = new UdpTransport({
      host: config.host,
      port: config.port,
      maxDatagramBytes: config.maxDatagramBytes,
      socketBufferBytes: config.udpSocketBufferBytes,
      onDatagram: (from, data) => {
        this.#counters.datagramIn(data);
        this.#input({ type: 'datagram', from, data }, undefined);
      },
      onOversize: (from, size) => {
        this.#counters.dropped('oversize');
        logger.debug({ from, size }, 'udp datagram too large; dropped');
      },
      logger,
    });
    this.#http = new HttpServer({
      host: config.host,
      port: config.httpPort,
      logger,
      limits: {
        maxConnections: config.httpMaxConnections,
        maxConnectionsPerIp: config.httpMaxConnectionsPerIp,
        headersTimeoutMs: config.httpHeadersTimeoutMs,
        requestTimeoutMs: config.httpRequestTimeoutMs,
      },
    });
    this.#ws = new WebSocketTransport({
      server: this.#http.server,
      path: '/ws',
      allowedOrigins: parseOriginList(config.wsAllowedOrigins),
      maxLineLength: config.maxLineLength,
      maxQueuedBytes: config.maxQueuedBytes,
      pingIntervalMs: config.wsPingIntervalMs,
      closeFlushMs: config.closeFlushMs,
      partialLineTimeoutMs: config.partialLineTimeoutMs,
      writeWatch,
      keepAliveMs: config.tcpKeepAliveMs,
      nextConnId: () => this.#nextConnId++,
      handlers: this.#connectionHandlers(),
      logger,
    });
    registerClientPages(this.#http, logger);
    for (const part of ['tcp', 'udp', 'http'] as const) {
      this.#readiness.add(part, () => this.#listening[part]);
    }
    this.#readiness.add('accepting', () => this.#stopping === undefined);
    if (clustered) this.#readiness.add('cluster', () => this.#backplane?.ready() ?? false);
    const source = adminSource({
      relay: this.view,
      counters: this.#counters,
      http: this.#http,
      connections: this.#connections,
      readiness: this.#readiness,
      input: (input) => this.#input(input, undefined),
    });
    this.#admin = registerAdmin(this.#http, source, {
      token: config.adminToken,
      protectReads: config.adminProtectReads === 1,
      maxFeedSubscribers: config.maxFeedSubscribers,
      maxRoomNameLength: config.maxRoomNameLength,
      hosts: { configured: config.adminAllowedHosts, listenHost: config.host },
      pageSize: config.adminPageSize,
      snapshotMs: config.adminSnapshotMs,
      logger,
    });
    // The core's clock starts before the first connection can arrive.
    this.#tick();
  }

  /**
   * Adds a condition to `/readyz` (for example "connected to the cluster backplane"); the server
   * is ready when every check passes.
   */
  addReadinessCheck(name: string, check: () => boolean): void {
    this.#readiness.add(name, check);
  }

  /**
   * TCP, then UDP on the same port number. With port 0 the system picks the TCP port; when
   * that number happens to be taken for UDP (another process's ephemeral UDP socket), both are
   * given up and another pick is tried, a few times.
   */
  async #listenTcpAndUdp(): Promise<number> {
    const attempts = this.#config.port === 0 ? EPHEMERAL_PORT_ATTEMPTS : 1;
    for (let attempt = 1; ; attempt += 1) {
      const port = await this.#tcp.listen().catch((error: unknown) => {
        throw new ListenError('tcp', this.#config.host, this.#config.port, error);
      });
      try {
        await this.#udp.bind(port);
      } catch (error) {
        await this.#tcp.stopAccepting();
        const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (taken && attempt < attempts) continue;
        throw new ListenError('udp', this.#config.host, port, error);
      }
      this.#listening.tcp = true;
      this.#listening.udp = true;
      return port;
    }
  }

  /**
   * Listens on TCP, then binds UDP to the same port number (protocol section 6). With port 0
   * the TCP port is picked by the system and UDP follows it.
   */
  async start(): Promise<ListeningAddress> {
    // A cluster node joins the cluster (and gets its first client ids) before taking clients.
    if (this.#config.cluster !== '') {
      const backplane = await createBackplane(this.#config, this.#logger, () =>
        this.#counters.dropped('backplane'),
      );
      this.#backplane = backplane;
      await backplane.start((input) => this.#input(input, undefined));
    }
    const port = await this.#listenTcpAndUdp();
    let httpPort: number;
    try {
      httpPort = await this.#http.listen();
      this.#listening.http = true;
    } catch (error) {
      await Promise.all([this.#tcp.stopAccepting(), this.#udp.close()]);
      throw new ListenError('http', this.#config.host, this.#config.httpPort, error);
    }
    this.#admin.start();
    this.#ticker = setInterval(() => this.#tick(), this.#config.tickIntervalMs);
    this.#ticker.unref();
    this.#logger.info(
      { host: this.#config.host, port, httpPort },
      'roomwire listening on tcp and udp',
    );
    return { host: this.#config.host, port, httpPort };
  }

  /**
   * Graceful stop: accept nothing more, tell every client `9:shutting_down`, let their queues
   * flush, and cut whatever is left after the grace period.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    clearInterval(this.#ticker);
    this.#admin.stop();
    const stoppedAccepting = Promise.all([this.#tcp.stopAccepting(), this.#http.close()]);
    // Everyone hears the goodbye before anyone's departure is announced.
    for (const connection of this.#connections.values()) this.#sayGoodbye(connection);
    const deadline = Date.now() + this.#config.shutdownGraceMs;
    const open = (): number => this.#tcp.openConnections + this.#ws.openConnections;
    while (open() > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.#tcp.destroyAll();
    this.#ws.destroyAll();
    this.#ws.close();
    await Promise.all([stoppedAccepting, this.#udp.close()]);
    await this.#backplane?.stop();
    this.#logger.info('roomwire stopped');
  }

  #connectionHandlers(): ConnectionHandlers {
    const logger = this.#logger;
    return {
      opened: (connection) => {
        this.#connections.set(connection.connId, connection);
        this.#counters.connectionOpened(connection.transport);
        logger.info(
          {
            connId: connection.connId,
            transport: connection.transport,
            remote: connection.remoteAddress,
          },
          'connect',
        );
        const input: RelayInput = {
          type: 'connect',
          connId: connection.connId,
          transport: connection.transport,
          remoteIp: connection.remoteIp,
        };
        this.#input(input, connection);
        // A connection arriving during shutdown is told so and closed.
        if (this.#stopping !== undefined) this.#sayGoodbye(connection);
      },
      line: (connection, line) => {
        this.#counters.lineIn(connection.transport, line);
        this.#input({ type: 'line', connId: connection.connId, line }, connection);
      },
      violation: (connection, code) => this.#refuse(connection, code),
      closed: (connection, reason) => {
        this.#connections.delete(connection.connId);
        this.#counters.connectionClosed(connection.transport, reason);
        const refusals = this.#refusals.closed(connection.connId);
        logger.info({ connId: connection.connId, reason, ...refusals }, 'disconnect');
        // A socket that broke (reset, error) rather than closed lets the session wait for a resume.
        const abrupt = reason === 'socket_error';
        this.#input({ type: 'disconnect', connId: connection.connId, abrupt }, undefined);
      },
    };
  }

  /**
   * The server's one timer: feeds a monotonic clock to the core (login deadlines, idle timeouts,
   * rate windows) and lets the transports look at their write queues.
   */
  #tick(): void {
    const now = Math.floor(performance.now());
    this.#input({ type: 'tick', now }, undefined);
    this.#tcp.sweep(now);
    this.#ws.sweep(now);
  }

  #refuse(connection: Connection, code: ErrorCode): void {
    this.#relay.handle({ type: 'violation', connId: connection.connId, code });
  }

  #sayGoodbye(connection: Connection): void {
    connection.write(encodeError('shutting_down'));
    connection.close('shutting_down');
  }

  /**
   * Hands one input to the core. A bug that throws while handling one connection's input closes
   * that connection with `9:internal`, and never the process.
   */
  #input(input: RelayInput, connection: Connection | undefined): void {
    try {
      this.#relay.handle(input);
    } catch (error) {
      this.#counters.internalErrors += 1;
      // The command's type (its first field) says what was being done; the payload is never logged.
      const command = input.type === 'line' ? commandType(input.line) : undefined;
      this.#logger.error(
        { err: error, input: input.type, command, connId: connection?.connId },
        'internal error',
      );
      if (connection === undefined) return;
      try {
        this.#relay.handle({ type: 'violation', connId: connection.connId, code: 'internal' });
      } catch (closeError) {
        this.#logger.error(
          { err: closeError, connId: connection.connId },
          'internal error on close',
        );
      }
      connection.close('internal');
    }
  }

  /**
   * Logs and counts a promise rejection nobody handled; `roomwire serve` routes the process's
   * `unhandledRejection` events here. Never fatal: one bad promise must not end every session.
   */
  unhandledRejection(reason: unknown): void {
    this.#counters.unhandledRejections += 1;
    this.#logger.error({ err: reason }, 'unhandled rejection');
  }
}

/** The first field of a line, at most a few characters, for logs. */
function commandType(line: Buffer): string {
  const colon = line.indexOf(58);
  return line.toString('latin1', 0, Math.min(colon === -1 ? line.length : colon, 8));
}

/** The core's limits, taken from the configuration. */
export function relayLimits(config: RoomwireConfig): RelayLimits {
  return {
    maxConnections: config.maxConnections,
    maxRooms: config.maxRooms,
    maxRoomMembers: config.maxRoomMembers,
    maxGroupsPerClient: config.maxGroupsPerClient,
    maxGroupSize: config.maxGroupSize,
    maxUsernameLength: config.maxUsernameLength,
    maxRoomNameLength: config.maxRoomNameLength,
    maxGroupNameLength: config.maxGroupNameLength,
    maxAuthFailures: config.maxAuthFailures,
    maxPendingCommands: config.maxPendingCommands,
    maxPendingBytes: config.maxPendingBytes,
    loginTimeoutMs: config.loginTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    idleTimeoutAll: config.idleTimeoutAll === 1,
    rateLimitPerSecond: config.rateLimitPerSecond,
    rateLimitBurst: config.rateLimitBurst,
    rateLimitMaxStrikes: config.rateLimitMaxStrikes,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    maxConnectionsPerIpExempt: new Set(parseIpList(config.maxConnectionsPerIpExempt)),
    resumeTtlMs: config.resumeTtlMs,
    resumeBufferBytes: config.resumeBufferBytes,
    maxAwaySessions: config.maxAwaySessions,
    maxAwayBytes: config.maxAwayBytes,
    byteRateLimitPerSecond: config.byteRateLimitPerSecond,
    byteRateLimitBurst: config.byteRateLimitBurst,
    maxPasswordLength: config.maxPasswordLength,
    maxGroupIdsPerClient: config.maxGroupIdsPerClient,
    groupFanoutPerSecond: config.groupFanoutPerSecond,
    udpRebindSilenceMs: config.udpRebindSilenceMs,
  };
}
