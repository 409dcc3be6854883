import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  DIRECTIONS,
  KINDS_BY_ROUTE,
  TRAFFIC_TRANSPORTS,
  type Direction,
} from './server-counters.js';
import type { AdminSource } from './admin-source.js';

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Node's own metrics (event-loop lag, heap, GC); on by default. */
  readonly defaultMetrics?: boolean;
  /** Live-feed subscribers, for a gauge. */
  readonly feedSubscribers?: () => number;
}

/** Room sizes worth telling apart: pairs, small groups, classes, lobbies. */
const ROOM_SIZE_BUCKETS = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128, 256, 512, 1000];

const TRAFFIC_SERIES = DIRECTIONS.flatMap((direction) =>
  TRAFFIC_TRANSPORTS.flatMap((transport) =>
    KINDS_BY_ROUTE[direction][transport === 'udp' ? 'udp' : 'stream'].map((kind) => ({
      direction,
      transport,
      kind,
    })),
  ),
);

/**
 * The Prometheus metrics, in a registry of their own (several servers may share a process).
 * Every value is read at scrape time, in `collect()`, from the server's plain counters and the
 * relay's snapshots: nothing here runs per message.
 */
export function createMetrics(source: AdminSource, options: MetricsOptions = {}): Registry {
  const registry = new Registry();
  const registers = [registry];
  const { counters, relay } = source;
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'roomwire_connections',
    help: 'Open client connections, by transport.',
    labelNames: ['transport'],
    registers,
    collect() {
      const open = { tcp: 0, websocket: 0 };
      for (const connection of source.connections()) open[connection.transport] += 1;
      this.set({ transport: 'tcp' }, open.tcp);
      this.set({ transport: 'websocket' }, open.websocket);
    },
  });
  gauge(registry, 'roomwire_clients', 'Logged-in clients.', () => relay.counts().clients);
  gauge(registry, 'roomwire_rooms', 'Rooms.', () => relay.counts().rooms);
  gauge(
    registry,
    'roomwire_away_sessions',
    'Sessions whose connection broke, waiting for a resume.',
    () => relay.counts().awaySessions,
  );
  gauge(
    registry,
    'roomwire_away_bytes',
    'Bytes of lines held for away sessions.',
    () => relay.counts().awayBytes,
  );
  gauge(registry, 'roomwire_udp_bound_clients', 'Clients with a bound UDP address.', () =>
    relay.sessions().reduce((bound, session) => bound + (session.udpBound ? 1 : 0), 0),
  );
  new Histogram({
    name: 'roomwire_room_size',
    help: 'Members per room, over the rooms that exist at scrape time.',
    buckets: ROOM_SIZE_BUCKETS,
    registers,
    collect() {
      this.reset();
      this.zero({});
      for (const room of relay.rooms()) this.observe(room.memberIds.length);
    },
  });

  for (const direction of DIRECTIONS) {
    const where = direction === 'in' ? 'received from' : 'sent to';
    trafficCounter(registry, direction, 'messages', `Messages ${where} clients.`);
    trafficCounter(registry, direction, 'bytes', `Bytes of messages ${where} clients.`);
  }
  counter(registry, {
    name: 'roomwire_messages_dropped_total',
    help: 'Messages dropped without an answer, and why (UDP: section 6 of the protocol).',
    labelNames: ['reason'],
    values: () => [...counters.drops].map(([reason, value]) => [{ reason }, value]),
  });
  gauge(
    registry,
    'roomwire_http_connections',
    'Open HTTP connections (admin API, pages, metrics; not upgraded to WebSocket).',
    () => source.http.connections.open,
  );
  counter(registry, {
    name: 'roomwire_http_connections_refused_total',
    help: 'HTTP connections refused over httpMaxConnections or httpMaxConnectionsPerIp.',
    values: () => [[{}, source.http.connections.refused]],
  });
  counter(registry, {
    name: 'roomwire_http_responses_total',
    help: 'HTTP responses, by status code (401, 403, 429... are the refusals).',
    labelNames: ['status'],
    values: () =>
      [...source.http.responses].map(([status, value]) => [{ status: String(status) }, value]),
  });
  counter(registry, {
    name: 'roomwire_refusals_total',
    help: 'Refusals sent as 9:<code>:<reason>, by code.',
    labelNames: ['code'],
    values: () => [...counters.refusals].map(([code, value]) => [{ code }, value]),
  });
  counter(registry, {
    name: 'roomwire_disconnects_total',
    help: 'Closed connections, by transport and reason (an error code, peer_closed, socket_error).',
    labelNames: ['transport', 'reason'],
    values: () =>
      [...counters.disconnects].map(([key, value]) => {
        const [transport = '', reason = ''] = key.split(' ');
        return [{ transport, reason }, value];
      }),
  });
  counter(registry, {
    name: 'roomwire_slow_consumer_disconnects_total',
    help: 'Connections closed because they did not read fast enough.',
    labelNames: ['transport'],
    values: () =>
      (['tcp', 'websocket'] as const).map((transport) => [
        { transport },
        counters.disconnects.get(`${transport} slow_consumer`) ?? 0,
      ]),
  });
  counter(registry, {
    name: 'roomwire_connections_opened_total',
    help: 'Client connections opened, by transport.',
    labelNames: ['transport'],
    values: () => [
      [{ transport: 'tcp' }, counters.opened.tcp],
      [{ transport: 'websocket' }, counters.opened.websocket],
    ],
  });
  counter(registry, {
    name: 'roomwire_logins_total',
    help: 'Successful logins.',
    values: () => [[{}, counters.logins]],
  });
  counter(registry, {
    name: 'roomwire_udp_binds_total',
    help: 'UDP binds accepted (a rebind from a new port counts again).',
    values: () => [[{}, counters.udpBinds]],
  });
  counter(registry, {
    name: 'roomwire_admin_actions_total',
    help: 'Admin actions performed, by action.',
    labelNames: ['action'],
    values: () => [
      [{ action: 'kick' }, counters.kicks],
      [{ action: 'close_room' }, counters.roomsClosed],
    ],
  });
  counter(registry, {
    name: 'roomwire_internal_errors_total',
    help: 'Exceptions caught while handling one input; each closed only its own connection.',
    values: () => [[{}, counters.internalErrors]],
  });
  counter(registry, {
    name: 'roomwire_unhandled_rejections_total',
    help: 'Promise rejections nobody handled; logged, never fatal.',
    values: () => [[{}, counters.unhandledRejections]],
  });
  const subscribers = options.feedSubscribers;
  if (subscribers !== undefined) {
    gauge(registry, 'roomwire_live_feed_subscribers', 'Open dashboard feeds.', subscribers);
  }
  return registry;

  function trafficCounter(
    target: Registry,
    direction: Direction,
    unit: 'messages' | 'bytes',
    help: string,
  ): void {
    counter(target, {
      name: `roomwire_${unit}_${direction}_total`,
      help: `${help} By transport and kind (the message type).`,
      labelNames: ['transport', 'kind'],
      values: () =>
        TRAFFIC_SERIES.filter((series) => series.direction === direction).map(
          ({ transport, kind }) => [
            { transport, kind },
            counters.traffic(direction, transport, kind)[unit],
          ],
        ),
    });
  }
}

type Labels = Partial<
  Record<'transport' | 'kind' | 'reason' | 'code' | 'action' | 'status', string>
>;

/** A counter whose values are read from elsewhere at scrape time. */
function counter(
  registry: Registry,
  spec: {
    readonly name: string;
    readonly help: string;
    readonly labelNames?: readonly (keyof Labels)[];
    readonly values: () => readonly (readonly [Labels, number])[];
  },
): void {
  new Counter({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames ?? [],
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of spec.values()) this.inc(labels, value);
    },
  });
}

function gauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
