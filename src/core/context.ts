import { closesConnection, ERROR_CODES, type ErrorCode } from '../protocol/error-codes.js';
import { encodeError } from '../protocol/encode.js';
import type { ClusterRequest } from './cluster-types.js';
import type { MessageMode } from '../protocol/commands.js';
import type { ClusterWait, Room, Session } from './state.js';
import { GuardState } from './session-guard.js';
import { RelayState } from './state.js';
import type { ClientId, ClientIdGenerator, EffectSink, RelayEvent, RelayLimits } from './types.js';

/** What every handler works with: the state, the limits and the ways out. */
export class RelayContext {
  readonly state = new RelayState();
  /** The clock and what the limits of issue #4 share. */
  readonly guards = new GuardState();

  constructor(
    readonly limits: RelayLimits,
    readonly ids: ClientIdGenerator,
    readonly emit: EffectSink,
    /** Cluster mode: room-affecting commands go through the backplane (docs/cluster.md). */
    readonly cluster: boolean = false,
  ) {}

  /** Cluster mode: puts a `3:` message (TCP or UDP) on its room's channel. */
  publish(room: Room, clientId: ClientId, mode: MessageMode, udp: boolean, payload: Buffer): void {
    const event = { kind: 'message', clientId, mode, udp, payload } as const;
    this.emit({ type: 'cluster', request: { op: 'publish', room: room.name, event } });
  }

  /** Cluster mode: sends a group message to its targets on every node. */
  publishGroup(
    senderId: ClientId,
    targets: readonly ClientId[],
    udp: boolean,
    payload: Buffer,
  ): void {
    const event = { senderId, targets, udp, payload };
    this.emit({ type: 'cluster', request: { op: 'group', event } });
  }

  /** Cluster mode: asks the backplane, holding the session's further lines until it answers. */
  ask(session: Session, request: ClusterRequest & { op: ClusterWait }): void {
    session.waiting = request.op;
    this.emit({ type: 'cluster', request });
  }

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

  /**
   * Cluster mode: the backplane answered a waiting session; replays the lines it held. Set by
   * the relay, which owns line handling.
   */
  release: (session: Session) => void = () => {
    throw new Error('RelayContext.release used before the relay wired it');
  };
}
