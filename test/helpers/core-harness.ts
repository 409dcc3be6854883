/**
 * Drives a {@link Relay} without sockets: feeds inputs, answers logins like the server would,
 * and records what every connection and UDP address received. Shared by unit and transcript tests.
 */
import type { ErrorCode } from '../../src/protocol/error-codes.js';
import { Relay } from '../../src/core/relay.js';
import type { ClusterRequest } from '../../src/core/cluster-types.js';
import { backplaneSequencer } from '../../src/server/backplane-sequencer.js';
import type {
  ClientIdGenerator,
  ConnId,
  Effect,
  RelayEvent,
  RelayLimits,
  TransportKind,
  UdpAddress,
} from '../../src/core/types.js';

/** Generous limits, so that a test meets a limit only when it sets one low on purpose. */
export const TEST_LIMITS: RelayLimits = Object.freeze({
  maxConnections: 1000,
  maxRooms: 1000,
  maxRoomMembers: 1000,
  maxGroupsPerClient: 100,
  maxGroupSize: 100,
  maxUsernameLength: 64,
  maxRoomNameLength: 64,
  maxGroupNameLength: 64,
  maxAuthFailures: 3,
  maxPendingCommands: 32,
  maxPendingBytes: 16_384,
  // Off, or far away: the harness's clock stands still unless a test ticks it.
  loginTimeoutMs: 0,
  idleTimeoutMs: 0,
  idleTimeoutAll: false,
  rateLimitPerSecond: 0,
  rateLimitBurst: 1,
  rateLimitMaxStrikes: 0,
  maxConnectionsPerIp: 0,
  maxConnectionsPerIpExempt: new Set<string>(),
  // Resume (§10) off unless a test turns it on; then tokens are `token1`, `token2`...
  resumeTtlMs: 0,
  resumeBufferBytes: 256 * 1024,
  maxAwaySessions: 100,
  maxAwayBytes: 16 * 1024 * 1024,
  byteRateLimitPerSecond: 0,
  byteRateLimitBurst: 1,
  maxPasswordLength: 256,
  maxGroupIdsPerClient: 10_000,
  groupFanoutPerSecond: 0,
  udpRebindSilenceMs: 0,
});

/** The IP every test connection comes from unless a test says otherwise. */
export const TEST_IP = '10.0.0.1';

/** A datagram the relay sent, decoded as UTF-8. */
export interface SentDatagram {
  readonly to: UdpAddress;
  readonly text: string;
}

/** One TCP line as one connection received it, without its newline. */
export interface Delivery {
  readonly connId: ConnId;
  readonly line: string;
}

/** How a {@link CoreHarness} builds its relay. */
export interface HarnessOptions {
  /**
   * An asynchronous sequencer, as a cluster node has: the core's requests are recorded (see
   * {@link CoreHarness.requests}) and the test plays the backplane's answers through `handle`.
   */
  readonly cluster?: boolean;
  /** The first client id of the default counter. */
  readonly firstId?: number;
  readonly ids?: ClientIdGenerator;
  /** Issues UDP bind tokens; none are issued without it. */
  readonly udpTokens?: () => string;
}

/** A relay plus a record of its effects. */
export class CoreHarness {
  readonly relay: Relay;
  /** Every effect, in order; fan-out `connIds` copied when emitted (the core reuses its array). */
  readonly effects: Effect[] = [];
  readonly #deliveries: Delivery[] = [];
  readonly #closed = new Map<ConnId, ErrorCode>();
  readonly #datagrams: SentDatagram[] = [];
  readonly #authPending = new Set<ConnId>();
  readonly #requests: ClusterRequest[] = [];

  constructor(limits: Partial<RelayLimits> = {}, options: HarnessOptions = {}) {
    let nextId = options.firstId ?? 1;
    let nextToken = 1;
    this.relay = new Relay({
      tokens: { next: () => `token${nextToken++}` },
      limits: { ...TEST_LIMITS, ...limits },
      ids: options.ids ?? { next: () => nextId++ },
      emit: (effect) => this.#record(effect),
      ...(options.cluster === true
        ? { sequencer: backplaneSequencer((request) => this.#requests.push(request)) }
        : {}),
      ...(options.udpTokens === undefined ? {} : { udpTokens: options.udpTokens }),
    });
  }

  /** The requests the core made of its asynchronous sequencer, in order (cluster mode). */
  requests(): ClusterRequest[] {
    return [...this.#requests];
  }

  connect(connId: ConnId, ip: string = TEST_IP, transport: TransportKind = 'tcp'): void {
    this.relay.handle({ type: 'connect', connId, transport, remoteIp: ip });
  }

  /** Feeds one line, given without its newline. */
  send(connId: ConnId, text: string | Buffer): void {
    const line = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    this.relay.handle({ type: 'line', connId, line });
  }

  /** Whether an `authenticate` effect for this connection still waits for its answer. */
  awaitingAuth(connId: ConnId): boolean {
    return this.#authPending.has(connId);
  }

  /** Answers the outstanding `authenticate` effect of a connection, as the server would. */
  answerAuth(connId: ConnId, verdict: boolean | 'busy'): void {
    if (!this.#authPending.delete(connId)) throw new Error(`no login of ${connId} in progress`);
    const busy = verdict === 'busy' ? { busy: true } : {};
    this.relay.handle({ type: 'auth-result', connId, accepted: verdict === true, ...busy });
  }

  /** Sends `0:name:password`, accepts the login once `handle` returned, and gives the client id. */
  login(connId: ConnId, name: string, password = 'pw'): number {
    this.send(connId, `0:${name}:${password}`);
    if (this.awaitingAuth(connId)) this.answerAuth(connId, true);
    const clientId = this.clientIdOf(connId);
    if (clientId === undefined) throw new Error(`login of ${connId} did not succeed`);
    return clientId;
  }

  /** Connects and logs in; returns the client id. */
  client(connId: ConnId, name = `user${connId}`, ip: string = TEST_IP): number {
    this.connect(connId, ip);
    return this.login(connId, name);
  }

  clientIdOf(connId: ConnId): number | undefined {
    return this.relay.sessions().find((session) => session.connId === connId)?.clientId;
  }

  datagram(from: UdpAddress, data: string | Buffer): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.relay.handle({ type: 'datagram', from, data: bytes });
  }

  /** Moves the core's clock to `now` milliseconds. */
  tick(now: number): void {
    this.relay.handle({ type: 'tick', now });
  }

  disconnect(connId: ConnId): void {
    this.#authPending.delete(connId);
    this.relay.handle({ type: 'disconnect', connId });
  }

  /** The connection breaks (a reset, a socket error) rather than being closed (§10). */
  cut(connId: ConnId): void {
    this.#authPending.delete(connId);
    this.relay.handle({ type: 'disconnect', connId, abrupt: true });
  }

  /** The text lines a connection received, in order, without their newlines. */
  linesFor(connId: ConnId): string[] {
    return this.#deliveries.filter((sent) => sent.connId === connId).map((sent) => sent.line);
  }

  /** Every line delivered, to any connection, in the order the core emitted them. */
  deliveries(): Delivery[] {
    return [...this.#deliveries];
  }

  /** The code the core closed a connection with, or undefined if it did not. */
  closed(connId: ConnId): ErrorCode | undefined {
    return this.#closed.get(connId);
  }

  /** The datagrams sent to one address, decoded as UTF-8. */
  datagramsTo(ip: string, port: number): string[] {
    return this.#datagrams
      .filter(({ to }) => to.ip === ip && to.port === port)
      .map(({ text }) => text);
  }

  /** Every datagram sent, to any address. */
  allDatagrams(): SentDatagram[] {
    return [...this.#datagrams];
  }

  events(): RelayEvent[] {
    return this.effects.flatMap((effect) => (effect.type === 'event' ? [effect.event] : []));
  }

  /** Forgets what was recorded so far (not the relay's state), to look at one step alone. */
  reset(): void {
    this.effects.length = 0;
    this.#deliveries.length = 0;
    this.#requests.length = 0;
    this.#closed.clear();
    this.#datagrams.length = 0;
  }

  #record(effect: Effect): void {
    if (effect.type === 'send' || effect.type === 'fanout' || effect.type === 'datagram') {
      const expected = kindOfServerLine(effect.data.toString('utf8'));
      if (effect.kind !== expected) {
        throw new Error(`${effect.type} labelled ${effect.kind}, but its bytes are a ${expected}`);
      }
    }
    if (effect.type === 'fanout') {
      const connIds = [...effect.connIds];
      this.effects.push({ ...effect, connIds });
      for (const connId of connIds) {
        if (connId !== effect.exceptConnId) this.#deliver(connId, effect.data);
      }
      return;
    }
    this.effects.push(effect);
    if (effect.type === 'send') this.#deliver(effect.connId, effect.data);
    if (effect.type === 'datagram') {
      this.#datagrams.push({ to: effect.to, text: effect.data.toString('utf8') });
    }
    if (effect.type === 'authenticate') this.#authPending.add(effect.connId);
    if (effect.type === 'close') {
      this.#closed.set(effect.connId, effect.code);
      this.#authPending.delete(effect.connId);
    }
  }

  #deliver(connId: ConnId, data: Buffer): void {
    const text = data.toString('utf8');
    if (!text.endsWith('\n')) throw new Error(`a line without newline: ${JSON.stringify(text)}`);
    for (const line of text.slice(0, -1).split('\n')) this.#deliveries.push({ connId, line });
  }
}

/**
 * The kind of a server line or datagram read from its text (protocol sections 3, 6 and 7): the
 * harness checks every write the core labels against it.
 */
function kindOfServerLine(text: string): string {
  const fields = text.replace(/\n$/, '').split(':');
  switch (fields[0]) {
    case '0':
      return fields[2] === 'connected' ? 'bind' : 'login';
    case '1':
      return 'rooms';
    case '2':
      return fields[2] === '' ? 'leave' : 'join';
    case '3':
      return 'message';
    case '4':
      return 'master';
    case '6':
      return 'resume';
    case '8':
      return 'ping';
    case '9':
      return 'error';
    default:
      return 'other';
  }
}
