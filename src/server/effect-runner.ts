import type { Logger } from 'pino';
import type { Authenticator } from '../auth/authenticator.js';
import type { ConnId, Effect, RelayEvent, UdpAddress } from '../core/types.js';
import type { Connection } from '../transports/connection.js';
import type { RefusalLog } from './refusal-log.js';
import type { ServerCounters } from '../admin/server-counters.js';

/** What the effect runner needs from the rest of the server. */
export interface EffectRunnerDeps {
  readonly connections: ReadonlyMap<ConnId, Connection>;
  readonly sendDatagram: (to: UdpAddress, data: Buffer) => void;
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  /** Feeds a login's verdict back to the core as an `auth-result` input. */
  readonly answerAuth: (connId: ConnId, verdict: boolean | 'busy') => void;
  /** Traffic and event counters for the metrics; plain numbers, bumped here. */
  readonly counters: ServerCounters;
  /** Bounds the `refused` log lines (issue #14); without it every refusal is logged. */
  readonly refusals?: RefusalLog;
}

/**
 * Performs the core's effects: writes, datagrams, closes, password checks, and logs of what
 * happened. The fan-out loop here is the relay's hot path: one Buffer, many writes.
 */
export function createEffectRunner(deps: EffectRunnerDeps): (effect: Effect) => void {
  const { connections, logger, counters } = deps;
  return function runEffect(effect: Effect): void {
    switch (effect.type) {
      case 'fanout': {
        const { connIds, exceptConnId, data } = effect;
        // Recipients counted per transport in locals, handed to the counters once per fan-out.
        let tcp = 0;
        let websocket = 0;
        for (let index = 0; index < connIds.length; index += 1) {
          const connId = connIds[index] as ConnId;
          if (connId === exceptConnId) continue;
          const connection = connections.get(connId);
          if (connection === undefined) continue;
          connection.write(data);
          if (connection.transport === 'tcp') tcp += 1;
          else websocket += 1;
        }
        counters.lineOut(effect.kind, data.length, tcp, websocket);
        return;
      }
      case 'send': {
        const connection = connections.get(effect.connId);
        if (connection === undefined) return;
        connection.write(effect.data);
        if (connection.transport === 'tcp') counters.lineOut(effect.kind, effect.data.length, 1, 0);
        else counters.lineOut(effect.kind, effect.data.length, 0, 1);
        return;
      }
      case 'datagram':
        deps.sendDatagram(effect.to, effect.data);
        counters.datagramOut(effect.kind, effect.data.length);
        return;
      case 'close':
        connections.get(effect.connId)?.close(effect.code);
        return;
      case 'authenticate':
        authenticate(deps, effect.connId, effect.username, effect.password);
        return;
      case 'event':
        counters.event(effect.event);
        if (effect.event.kind === 'refused' && deps.refusals !== undefined) {
          const ip = connections.get(effect.event.connId)?.remoteIp ?? '';
          deps.refusals.refused(effect.event, ip);
        } else logEvent(logger, effect.event);
        return;
      default: {
        const unknown: never = effect;
        throw new TypeError(`unknown effect ${JSON.stringify(unknown)}`);
      }
    }
  };
}

function authenticate(
  deps: EffectRunnerDeps,
  connId: ConnId,
  username: string,
  password: string,
): void {
  // Always answered from a later microtask, never from inside the relay's own call.
  const remoteIp = deps.connections.get(connId)?.remoteIp;
  deps.authenticator.verify(username, password, remoteIp).then(
    (verdict) => deps.answerAuth(connId, verdict),
    (error: unknown) => {
      deps.logger.error({ err: error, connId }, 'authenticator failed; login refused');
      deps.answerAuth(connId, false);
    },
  );
}

function logEvent(logger: Logger, event: RelayEvent): void {
  switch (event.kind) {
    case 'login':
      logger.info(
        { connId: event.connId, clientId: event.clientId, username: event.username },
        'login',
      );
      return;
    case 'join':
      logger.info({ clientId: event.clientId, room: event.room, created: event.created }, 'join');
      return;
    case 'leave':
      logger.info(
        { clientId: event.clientId, room: event.room, destroyed: event.destroyed },
        'leave',
      );
      return;
    case 'refused':
      logger.info({ connId: event.connId, clientId: event.clientId, code: event.code }, 'refused');
      return;
    case 'udp-bound':
      logger.info({ clientId: event.clientId, address: event.address }, 'udp bound');
      return;
    case 'udp-dropped':
      logger.debug({ from: event.from, why: event.why }, 'udp datagram dropped');
      return;
    case 'kicked':
      logger.warn(
        { connId: event.connId, clientId: event.clientId, reason: event.reason },
        'kicked by an administrator',
      );
      return;
    case 'rate-limited':
      logger.warn(
        {
          connId: event.connId,
          clientId: event.clientId,
          dropped: event.dropped,
          datagramsDropped: event.datagramsDropped,
        },
        'rate limited',
      );
      return;
    case 'room-closed':
      logger.warn(
        { room: event.room, memberIds: event.memberIds, reason: event.reason },
        'room closed by an administrator',
      );
      return;
  }
}
