import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { checkRoomName, parseClientId } from '../protocol/names.js';
import { sendJson, type HttpServer, type RouteHandler } from '../http/http-server.js';
import { AdminAuth, type AuthVerdict } from './admin-auth.js';
import { hostAllowed, hostCheckedRouter, type AllowedHostsOptions } from './admin-hosts.js';
import type { AdminSource } from './admin-source.js';
import { clientsView, roomDetail, roomView, totalsView } from './admin-views.js';
import { registerDashboard } from './dashboard-route.js';
import { LiveFeed } from './live-feed.js';
import { createMetrics } from './metrics.js';
import { BadRequestError, readReason } from './request-body.js';
import { pageOf, SnapshotCache } from './snapshot-cache.js';

/** Options of {@link registerAdmin}. */
export interface AdminOptions {
  /** Bearer token for actions (and reads when protected); empty turns actions off. */
  readonly token: string;
  readonly protectReads: boolean;
  readonly maxFeedSubscribers: number;
  /** Names longer than this cannot exist, so asking for one is a bad request. */
  readonly maxRoomNameLength: number;
  /** Rooms listed in each live-feed push; the JSON API lists them all. */
  readonly maxFeedRooms?: number;
  /** Entries in one page of `/api/clients` and `/api/rooms` [500]. */
  readonly pageSize?: number;
  /** How long a list of more than one page is reused [1000 ms; 0 = never]. */
  readonly snapshotMs?: number;
  /** The names the admin API answers to; any Host when not given. */
  readonly hosts?: AllowedHostsOptions;
  /** Node's default metrics in `/metrics`; on by default. */
  readonly defaultMetrics?: boolean;
  readonly logger: Logger;
}

/** The admin side of a running server: its live feed's clock and its metrics registry. */
export interface AdminHandle {
  readonly metrics: Registry;
  readonly feed: LiveFeed;
  start(): void;
  stop(): void;
}

type Router = Pick<HttpServer, 'route'>;

/**
 * Registers the admin endpoints on the shared HTTP server (docs/admin.md): health, readiness,
 * Prometheus metrics, the JSON API, the live feed, the two actions and the dashboard.
 */
export function registerAdmin(
  httpRouter: Router,
  source: AdminSource,
  options: AdminOptions,
): AdminHandle {
  const router =
    options.hosts === undefined
      ? httpRouter
      : hostCheckedRouter(httpRouter, hostAllowed(options.hosts));
  const auth = new AdminAuth({ token: options.token, protectReads: options.protectReads });
  const maxFeedRooms = options.maxFeedRooms ?? 500;
  const feed = new LiveFeed({
    maxSubscribers: options.maxFeedSubscribers,
    totals: () => ({
      in: source.counters.totals('in').messages,
      out: source.counters.totals('out').messages,
    }),
    snapshot: (now) => {
      const rooms = source.relay.rooms();
      return {
        totals: totalsView(source, now),
        actionsEnabled: auth.actionsEnabled,
        roomCount: rooms.length,
        rooms: rooms.slice(0, maxFeedRooms).map((room) => roomView(room, source.relay)),
      };
    },
  });
  const metrics = createMetrics(source, {
    feedSubscribers: () => feed.subscriberCount,
    ...(options.defaultMetrics === undefined ? {} : { defaultMetrics: options.defaultMetrics }),
  });
  const read = guarded((request) => auth.read(request));
  const pageSize = options.pageSize ?? 500;
  const snapshotMs = options.snapshotMs ?? 1_000;
  const clients = new SnapshotCache(() => clientsView(source), snapshotMs, pageSize);
  const rooms = new SnapshotCache(
    () => source.relay.rooms().map((room) => roomView(room, source.relay)),
    snapshotMs,
    pageSize,
  );
  const act = guarded((request) => auth.action(request));

  router.route('GET', '/healthz', (_request, response) =>
    sendJson(response, 200, {
      status: 'ok',
      uptimeSeconds: Math.floor((Date.now() - source.startedAt) / 1000),
    }),
  );
  router.route('GET', '/readyz', (_request, response) => {
    const report = source.readiness();
    sendJson(response, report.ready ? 200 : 503, {
      status: report.ready ? 'ready' : 'not_ready',
      checks: report.checks,
    });
  });
  router.route(
    'GET',
    '/metrics',
    read(async (_request, response) => {
      const text = await metrics.metrics();
      response.writeHead(200, {
        'content-type': metrics.contentType,
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
      });
      response.end(text);
    }),
  );
  router.route(
    'GET',
    '/api/rooms',
    read((request, response) => {
      const { items, ...page } = pageOf(rooms.get(), ...pageParams(request, pageSize));
      sendJson(response, 200, { rooms: items, ...page });
    }),
  );
  router.route(
    'GET',
    '/api/rooms/:name',
    read((_request, response, params) => {
      const name = roomName(params.name, options.maxRoomNameLength);
      const room = source.relay.room(name);
      if (room === undefined) return notFound(response, `no room named ${JSON.stringify(name)}`);
      sendJson(response, 200, roomDetail(source, room));
    }),
  );
  router.route(
    'GET',
    '/api/clients',
    read((request, response) => {
      const { items, ...page } = pageOf(clients.get(), ...pageParams(request, pageSize));
      sendJson(response, 200, { clients: items, ...page });
    }),
  );
  router.route(
    'GET',
    '/api/events',
    read((request, response) => feed.subscribe(request, response)),
  );
  router.route(
    'POST',
    '/api/clients/:id/kick',
    act(async (request, response, params) => {
      const clientId = parseClientId(params.id ?? '');
      if (clientId === undefined) {
        throw new BadRequestError('a client id is a non-negative integer');
      }
      const reason = await readReason(request);
      const client = source.relay.client(clientId);
      if (client === undefined || !source.kick(clientId, reason)) {
        return notFound(response, `no logged-in client with id ${clientId}`);
      }
      sendJson(response, 200, {
        kicked: { id: clientId, username: client.username ?? '', room: client.room ?? null },
      });
    }),
  );
  router.route(
    'DELETE',
    '/api/rooms/:name',
    act(async (request, response, params) => {
      const name = roomName(params.name, options.maxRoomNameLength);
      const reason = await readReason(request);
      const room = source.relay.room(name);
      if (room === undefined || !source.closeRoom(name, reason)) {
        return notFound(response, `no room named ${JSON.stringify(name)}`);
      }
      sendJson(response, 200, { closed: { name, memberIds: room.memberIds } });
    }),
  );
  registerDashboard(router, options.logger);
  options.logger.info(
    { actions: auth.actionsEnabled, readsProtected: auth.readsProtected },
    auth.actionsEnabled ? 'admin actions on (bearer token)' : 'admin actions off: no admin token',
  );

  return { metrics, feed, start: () => feed.start(), stop: () => feed.stop() };
}

/**
 * Wraps a handler with an auth check, and turns a {@link BadRequestError} into a 400 with a
 * JSON body. A refused request gets 401 (with `WWW-Authenticate`) or 403.
 */
function guarded(check: (request: IncomingMessage) => AuthVerdict) {
  return (handler: RouteHandler): RouteHandler =>
    async (request, response, params) => {
      const verdict = check(request);
      if (!verdict.ok) {
        if (verdict.status === 401) {
          response.setHeader('www-authenticate', 'Bearer realm="roomwire admin"');
        }
        return sendJson(response, verdict.status, { error: verdict.error });
      }
      try {
        await handler(request, response, params);
      } catch (error) {
        if (!(error instanceof BadRequestError) || response.headersSent) throw error;
        sendJson(response, 400, { error: error.message });
      }
    };
}

/** `?offset=` (from 0) and `?limit=` (1 to `pageSize`, which is the default) of a list request. */
function pageParams(request: IncomingMessage, pageSize: number): [number, number] {
  const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
  const number = (name: string, fallback: number, max: number): number => {
    const raw = query.get(name);
    if (raw === null) return fallback;
    const value = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(value >= (name === 'limit' ? 1 : 0) && value <= max)) {
      throw new BadRequestError(
        `${name} must be an integer from ${name === 'limit' ? 1 : 0} to ${max}`,
      );
    }
    return value;
  };
  return [number('offset', 0, 1e9), number('limit', pageSize, pageSize)];
}

function roomName(raw: string | undefined, maxLength: number): string {
  const name = raw ?? '';
  if (checkRoomName(name, maxLength) !== undefined) {
    throw new BadRequestError(`${JSON.stringify(name)} is not a valid room name`);
  }
  return name;
}

function notFound(response: ServerResponse, error: string): void {
  sendJson(response, 404, { error });
}
