import type { Logger } from 'pino';
import type { Authenticator } from '../auth/authenticator.js';
import type { ConnId, Effect, RelayEvent, UdpAddress } from '../core/types.js';
import type { Connection } from '../transports/connection.js';

/** What the effect runner needs from the rest of the server. */
export interface EffectRunnerDeps {
  readonly connections: ReadonlyMap<ConnId, Connection>;
  readonly sendDatagram: (to: UdpAddress, data: Buffer) => void;
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  /** Feeds a login's verdict back to the core as an `auth-result` input. */
  readonly answerAuth: (connId: ConnId, accepted: boolean) => void;
}

/**
 * Performs the core's effects: writes, datagrams, closes, password checks, and logs of what
 * happened. The fan-out loop here is the relay's hot path: one Buffer, many writes.
 */
export function createEffectRunner(deps: EffectRunnerDeps): (effect: Effect) => void {
  const { connections, logger } = deps;
  return function runEffect(effect: Effect): void {
    switch (effect.type) {
      case 'fanout': {
        const { connIds, exceptConnId, data } = effect;
        for (let index = 0; index < connIds.length; index += 1) {
          const connId = connIds[index] as ConnId;
          if (connId !== exceptConnId) connections.get(connId)?.write(data);
        }
        return;
      }
      case 'send':
        connections.get(effect.connId)?.write(effect.data);
        return;
      case 'datagram':
        deps.sendDatagram(effect.to, effect.data);
        return;
      case 'close':
        connections.get(effect.connId)?.close(effect.code);
        return;
      case 'authenticate':
        authenticate(deps, effect.connId, effect.username, effect.password);
        return;
      case 'event':
        logEvent(logger, effect.event);
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
  deps.authenticator.verify(username, password).then(
    (accepted) => deps.answerAuth(connId, accepted),
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
  }
}
