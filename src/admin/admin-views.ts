import type { RelayView, RoomSnapshot, SessionSnapshot } from '../core/relay.js';
import type { AdminSource, ConnectionView } from './admin-source.js';

/** One connection as the admin API shows it. */
export interface ClientView {
  /** The client id; null until the connection has logged in. */
  readonly id: number | null;
  readonly connId: number;
  readonly username: string | null;
  /** `tcp` or `websocket`, plus `udp` once a UDP address is bound. */
  readonly transports: string[];
  readonly room: string | null;
  /** ISO 8601. */
  readonly connectedAt: string | null;
  readonly messagesIn: number;
  readonly bytesIn: number;
  readonly messagesOut: number;
  readonly bytesOut: number;
  readonly queuedBytes: number;
}

/** One room as the admin API lists it. */
export interface RoomView {
  readonly name: string;
  readonly private: boolean;
  readonly masterId: number;
  /** The master's username, when it is connected to this node (null otherwise). */
  readonly masterName: string | null;
  readonly memberCount: number;
  readonly memberIds: readonly number[];
}

/** Server-wide figures, for the dashboard's totals. */
export interface TotalsView {
  readonly uptimeSeconds: number;
  readonly connections: { readonly tcp: number; readonly websocket: number };
  readonly clients: number;
  readonly rooms: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

export function clientView(
  session: SessionSnapshot,
  connection: ConnectionView | undefined,
): ClientView {
  const stats = connection?.stats;
  return {
    id: session.clientId ?? null,
    connId: session.connId,
    username: session.username ?? null,
    transports: session.udpBound ? [session.transport, 'udp'] : [session.transport],
    room: session.room ?? null,
    connectedAt: stats === undefined ? null : new Date(stats.connectedAt).toISOString(),
    messagesIn: stats?.linesIn ?? 0,
    bytesIn: stats?.bytesIn ?? 0,
    messagesOut: stats?.linesOut ?? 0,
    bytesOut: stats?.bytesOut ?? 0,
    queuedBytes: connection?.queuedBytes ?? 0,
  };
}

export function roomView(room: RoomSnapshot, relay: Pick<RelayView, 'client'>): RoomView {
  return {
    name: room.name,
    private: room.isPrivate,
    masterId: room.masterId,
    masterName: relay.client(room.masterId)?.username ?? null,
    memberCount: room.memberIds.length,
    memberIds: room.memberIds,
  };
}

/** A room with its members in join order, the master first. */
export function roomDetail(
  source: AdminSource,
  room: RoomSnapshot,
): RoomView & { readonly members: ClientView[] } {
  const members: ClientView[] = [];
  for (const clientId of room.memberIds) {
    const session = source.relay.client(clientId);
    if (session !== undefined) {
      members.push(clientView(session, source.connection(session.connId)));
    }
  }
  return { ...roomView(room, source.relay), members };
}

/** Every live connection, logged in or not, in connection order. */
export function clientsView(source: AdminSource): ClientView[] {
  return source.relay
    .sessions()
    .map((session) => clientView(session, source.connection(session.connId)));
}

export function totalsView(source: AdminSource, now: number): TotalsView {
  const connections = { tcp: 0, websocket: 0 };
  for (const connection of source.connections()) connections[connection.transport] += 1;
  const counts = source.relay.counts();
  const totalIn = source.counters.totals('in');
  const totalOut = source.counters.totals('out');
  return {
    uptimeSeconds: Math.floor((now - source.startedAt) / 1000),
    connections,
    clients: counts.clients,
    rooms: counts.rooms,
    messagesIn: totalIn.messages,
    messagesOut: totalOut.messages,
    bytesIn: totalIn.bytes,
    bytesOut: totalOut.bytes,
  };
}
