import { closesConnection, ERROR_CODES, type ErrorCode } from '../protocol/error-codes.js';
import { encodeError } from '../protocol/encode.js';
import { GuardState } from './session-guard.js';
import type { Session } from './state.js';
import { RelayState } from './state.js';
import type { ClientIdGenerator, EffectSink, RelayEvent, RelayLimits } from './types.js';

/** What every handler works with: the state, the limits and the ways out. */
export class RelayContext {
  readonly state = new RelayState();
  /** The clock and what the limits of issue #4 share. */
  readonly guards = new GuardState();

  constructor(
    readonly limits: RelayLimits,
    readonly ids: ClientIdGenerator,
    readonly emit: EffectSink,
  ) {}

  send(session: Session, data: Buffer): void {
    this.emit({ type: 'send', connId: session.connId, data });
  }

  event(event: RelayEvent): void {
    this.emit({ type: 'event', event });
  }

  /**
   * Answers a refused command with `9:<code>:<reason>` (protocol section 7), and closes the
   * connection when the code says so.
   */
  refuse(session: Session, code: ErrorCode, reason: string = ERROR_CODES[code].reason): void {
    this.event({
      kind: 'refused',
      connId: session.connId,
      code,
      ...(session.clientId >= 0 ? { clientId: session.clientId } : {}),
    });
    this.send(session, encodeError(code, reason));
    if (closesConnection(code)) this.drop(session, code);
  }

  /**
   * Forgets a session as a disconnect would, then tells the server to close its connection.
   * Set by the relay, which owns the disconnect rule.
   */
  drop: (session: Session, code: ErrorCode) => void = () => {
    throw new Error('RelayContext.drop used before the relay wired it');
  };
}
