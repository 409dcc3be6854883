import { closesConnection, ERROR_CODES, type ErrorCode } from '../protocol/error-codes.js';
import { encodeError } from '../protocol/encode.js';
import type { OutgoingKind } from '../protocol/message-kinds.js';
import { LocalSequencer } from './local-sequencer.js';
import type { RoomSequencer } from './sequencer.js';
import { dropSession, releaseSession } from './sessions.js';
import { GuardState } from './session-guard.js';
import { RoomLines } from './resume-log.js';
import {
  RelayState,
  type ResumeState,
  type Room,
  type SequencerWait,
  type Session,
} from './state.js';
import type {
  ClientIdGenerator,
  ConnId,
  EffectSink,
  RelayEvent,
  RelayLimits,
  TokenGenerator,
  UdpAddress,
} from './types.js';

/** What every handler works with: the state, the limits, the sequencer and the ways out. */
export class RelayContext {
  readonly state = new RelayState();
  /** The clock and what the limits of issue #4 share. */
  readonly guards = new GuardState();
  /** Orders every room change and relayed message (sequencer.ts). */
  readonly sequencer: RoomSequencer;

  /** Whether sessions keep their lines for a resume (§10): `resumeTtlMs` > 0. */
  readonly resumable: boolean;

  constructor(
    readonly limits: RelayLimits,
    readonly ids: ClientIdGenerator,
    readonly emit: EffectSink,
    sequencer: RoomSequencer | undefined,
    /** Resume tokens; required when resume is on. */
    readonly tokens: TokenGenerator | undefined,
  ) {
    this.sequencer = sequencer ?? new LocalSequencer(this);
    this.resumable = limits.resumeTtlMs > 0;
    if (this.resumable && tokens === undefined) {
      throw new TypeError('resumeTtlMs > 0 needs a resume token generator');
    }
  }

  /**
   * Marks a session as waiting for the sequencer's answer to what it is about to ask: its
   * further lines are held until then, so the client sees answers in the order it asked.
   */
  wait(session: Session, what: SequencerWait): void {
    session.waiting = what;
  }

  /** One line to a session, kept in its resume log (§10). */
  send(session: Session, data: Buffer, kind: OutgoingKind): void {
    if (session.resume !== undefined) this.keep(session, data);
    this.emit({ type: 'send', connId: session.connId, data, kind });
  }

  /** One line to every member of a room but `except`, each keeping it in its resume log. */
  roomcast(room: Room, except: Session | undefined, data: Buffer, kind: OutgoingKind): void {
    if (this.resumable) {
      // Kept once for the room; each member's log keeps its number (resume-log.ts).
      const limit = this.limits.resumeBufferBytes;
      const lines = (room.lines ??= new RoomLines());
      const seq = lines.append(data, limit);
      const { members } = room;
      for (let index = 0; index < members.length; index += 1) {
        const member = members[index] as Session;
        const resume = member.resume;
        if (member === except || resume === undefined) continue;
        this.#held(resume, resume.log.recordShared(lines, seq, data.length, limit));
      }
    }
    this.fanout(room.connIds, except === undefined ? -1 : except.connId, data, kind);
  }

  /**
   * The same bytes to many connections; `connIds` may be a live array (see `fanout`). Written
   * to no resume log: callers that write to sessions keep the line first ({@link keep}).
   */
  fanout(connIds: readonly ConnId[], exceptConnId: ConnId, data: Buffer, kind: OutgoingKind): void {
    this.emit({ type: 'fanout', connIds, exceptConnId, data, kind });
  }

  /** Keeps a line written to a session in its resume log, within the limits (§10). */
  keep(session: Session, data: Buffer): void {
    const resume = session.resume;
    if (resume === undefined) return;
    this.#held(resume, resume.log.record(data, this.limits.resumeBufferBytes));
  }

  /** Counts what a log took while its session is away, within the total for away sessions. */
  #held(resume: ResumeState, held: number): void {
    if (resume.awaySince === undefined) return;
    this.guards.awayBytes += held;
    // Over the total for away sessions, this one can no longer be resumed; the tick ends it.
    if (this.guards.awayBytes > this.limits.maxAwayBytes) resume.log.overflow();
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
