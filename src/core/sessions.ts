/**
 * A session's life (protocol sections 2 and 4): it opens, logs in, may wait for its sequencer,
 * and is forgotten once, however it ends.
 */
import { encodeLoggedIn } from '../protocol/encode.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import type { RelayContext } from './context.js';
import { admitIp, releaseIp } from './ip-cap.js';
import { handleLine } from './lines.js';
import { offerResume, unpark } from './resume.js';
import { abandonArrival } from './resume-remote.js';
import { newSessionGuard } from './session-guard.js';
import { newSession, type Session } from './state.js';
import type { ConnId, TransportKind } from './types.js';
import { unbindUdp } from './udp.js';

/** A connection opened; refused at once when the server or its IP is over its cap. */
export function openSession(
  ctx: RelayContext,
  connId: ConnId,
  transport: TransportKind,
  remoteIp: string,
): void {
  if (ctx.state.sessions.has(connId)) throw new Error(`connection ${connId} is already known`);
  const guard = newSessionGuard(ctx.guards.now, ctx.limits.rateLimitBurst);
  const session = newSession(connId, transport, remoteIp, guard);
  ctx.state.sessions.set(connId, session);
  const ipAdmitted = admitIp(ctx, session);
  // Sessions waiting for a resume (§10) hold no connection: they do not count here.
  const open = ctx.state.sessions.size - ctx.guards.awaySessions;
  if (open > ctx.limits.maxConnections) ctx.refuse(session, 'server_full');
  else if (!ipAdmitted) ctx.refuse(session, 'too_many_connections_from_ip');
}

/** The authenticator's verdict on a login (section 2). */
export function finishLogin(
  ctx: RelayContext,
  session: Session,
  accepted: boolean,
  busy = false,
): void {
  const clientId = accepted ? ctx.ids.next() : -1;
  if (clientId >= 0) {
    session.phase = 'ready';
    session.clientId = clientId;
    ctx.state.clients.set(session.clientId, session);
    ctx.event({
      kind: 'login',
      connId: session.connId,
      clientId: session.clientId,
      username: session.username,
    });
    // §10: the token rides in the login reply; the reply itself is not kept for a resume.
    const token = offerResume(ctx, session);
    ctx.emit({
      type: 'send',
      connId: session.connId,
      data: encodeLoggedIn(session.clientId, token),
      kind: 'login',
    });
  } else {
    session.phase = 'anonymous';
    session.username = '';
    if (accepted) {
      // Cluster mode, cut off from the id blocks: never hand out an id that may be reused.
      ctx.refuse(session, 'unavailable');
    } else if (busy) {
      // Not checked (issue #15, item 11): not a failure, so the client may try again on this
      // connection rather than come back on a new one.
      ctx.refuse(session, 'auth_busy');
    } else {
      session.authFailures += 1;
      // Every wrong password is answered `auth_failed`; the last allowed one also closes.
      ctx.refuse(session, 'auth_failed');
      if (session.authFailures >= ctx.limits.maxAuthFailures) {
        return ctx.refuse(session, 'too_many_auth_failures');
      }
    }
  }
  replay(ctx, session);
}

/** The sequencer answered what a session waited for: its held lines go on. */
export function releaseSession(ctx: RelayContext, session: Session): void {
  session.waiting = undefined;
  replay(ctx, session);
}

/** Replays held lines until none is left or the session has to wait again. */
function replay(ctx: RelayContext, session: Session): void {
  // An in-process sequencer answers within the replayed line's own call: the outer loop goes on.
  if (session.replaying) return;
  session.replaying = true;
  while (
    session.pending.length > 0 &&
    session.phase !== 'authenticating' &&
    session.waiting === undefined &&
    ctx.state.sessions.get(session.connId) === session
  ) {
    const line = session.pending.shift() as Buffer;
    session.pendingBytes -= line.length;
    handleLine(ctx, session, line);
  }
  session.replaying = false;
}

/** Forgets a session, then tells the server to close its connection. */
export function dropSession(ctx: RelayContext, session: Session, code: ErrorCode): void {
  if (!forgetSession(ctx, session)) return;
  ctx.emit({ type: 'close', connId: session.connId, code });
}

/**
 * Removes a session and everything it holds; false if it was already gone. `leaves` is false
 * when the session moves to another node (§10, cluster mode) and keeps its place in its room.
 */
export function forgetSession(ctx: RelayContext, session: Session, leaves = true): boolean {
  if (ctx.state.sessions.get(session.connId) !== session) return false;
  ctx.state.sessions.delete(session.connId);
  releaseIp(ctx, session);
  unpark(ctx, session);
  // Nothing can resume it now: its log's chunks go back to the pool.
  session.resume?.log.overflow();
  if (session.arriving !== undefined) abandonArrival(ctx, session);
  // Section 4: disconnecting leaves the room as `2:-1` would, without writing to the leaver.
  // Waiting may mean a join in flight: the leave is ordered after it and undoes it.
  const inRoom = session.room !== undefined || session.waiting !== undefined;
  if (leaves && session.phase === 'ready' && inRoom) {
    const { clientId } = session;
    ctx.sequencer.leave({ connId: -1, clientId, room: session.room?.name });
  }
  unbindUdp(ctx, session);
  if (session.phase === 'ready') ctx.state.clients.delete(session.clientId);
  session.phase = 'anonymous';
  session.pending = [];
  return true;
}
