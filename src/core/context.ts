import { closesConnection, ERROR_CODES, type ErrorCode } from '../protocol/error-codes.js';
import { encodeError } from '../protocol/encode.js';
import type { OutgoingKind } from '../protocol/message-kinds.js';
import { LocalSequencer } from './local-sequencer.js';
import type { RoomSequencer } from './sequencer.js';
import { dropSession, releaseSession } from './sessions.js';
import { GuardState } from './session-guard.js';
import { RelayState, type SequencerWait, type Session } from './state.js';
import type {
  ClientIdGenerator,
  ConnId,
  EffectSink,
  RelayEvent,
  RelayLimits,
  UdpAddress,
} from './types.js';

/** What every handler works with: the state, the limits, the sequencer and the ways out. */
export class RelayContext {
  readonly state = new RelayState();
  /** The clock and what the limits of issue #4 share. */
  readonly guards = new GuardState();
  /** Orders every room change and relayed message (sequencer.ts). */
  readonly sequencer: RoomSequencer;

  constructor(
    readonly limits: RelayLimits,
    readonly ids: ClientIdGenerator,
    readonly emit: EffectSink,
    sequencer?: RoomSequencer,
  ) {
    this.sequencer = sequencer ?? new LocalSequencer(this);
  }

  /**
   * Marks a session as waiting for the sequencer's answer to what it is about to ask: its
   * further lines are held until then, so the client sees answers in the order it asked.
   */
  wait(session: Session, what: SequencerWait): void {
    session.waiting = what;
  }

  send(session: Session, data: Buffer, kind: OutgoingKind): void {
    this.emit({ type: 'send', connId: session.connId, data, kind });
  }

  /** The same bytes to many connections; `connIds` may be a live array (see `fanout`). */
  fanout(connIds: readonly ConnId[], exceptConnId: ConnId, data: Buffer, kind: OutgoingKind): void {
    this.emit({ type: 'fanout', connIds, exceptConnId, data, kind });
  }

  datagram(to: UdpAddress, data: Buffer, kind: OutgoingKind): void {
    this.emit({ type: 'datagram', to, data, kind });
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
    this.send(session, encodeError(code, reason), 'error');
    if (closesConnection(code)) this.drop(session, code);
  }

  /** Forgets a session as a disconnect would, then tells the server to close its connection. */
  drop(session: Session, code: ErrorCode): void {
    dropSession(this, session, code);
  }

  /** The sequencer answered a waiting session: replays the lines it held. */
  release(session: Session): void {
    releaseSession(this, session);
  }
}
