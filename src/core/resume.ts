/**
 * Session resume (protocol §10, a Roomwire extension). A logged-in client gets a token in its
 * login reply; when its connection breaks, its session stays in its room, with its groups and
 * its place in the member order (so a master stays master), for `resumeTtlMs`, and every line
 * written to it is kept (resume-log.ts). A new connection sends `6:<id>:<token>:<received>`
 * and takes the session over: the server answers `6:<id>:<missed>`, replays the lines after the
 * first `received`, then goes on live. The room is told nothing while the client is away; when
 * the time runs out, or the kept lines pass their limit, the room sees the ordinary leave.
 */
import { encodeError, encodeResumed } from '../protocol/encode.js';
import type { ResumeCommand } from '../protocol/commands.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import { serverLineKind } from '../protocol/message-kinds.js';
import type { RelayContext } from './context.js';
import { releaseIp } from './ip-cap.js';
import { LineLog } from './resume-log.js';
import { askCluster } from './resume-remote.js';
import { forgetSession } from './sessions.js';
import type { Session } from './state.js';
import { unbindUdp } from './udp.js';

/** A session just logged in: gives it a token and a log when resume is on. */
export function offerResume(ctx: RelayContext, session: Session): string | undefined {
  if (!ctx.resumable || ctx.tokens === undefined) return undefined;
  const token = ctx.tokens.next();
  session.resume = { token, log: new LineLog(), awaySince: undefined, handover: undefined };
  return token;
}

/**
 * The connection of a logged-in session broke: keeps the session for a resume. False when it
 * cannot be kept (resume off, not logged in, too many sessions away already).
 */
export function parkSession(ctx: RelayContext, session: Session): boolean {
  const resume = session.resume;
  if (resume === undefined || resume.awaySince !== undefined) return false;
  if (ctx.guards.awaySessions >= ctx.limits.maxAwaySessions) return false;
  resume.awaySince = ctx.guards.now;
  resume.log.holdFromNow();
  ctx.guards.awaySessions += 1;
  // The address is most likely gone with the connection; a resumed client binds again.
  unbindUdp(ctx, session);
  ctx.event({ kind: 'away', connId: session.connId, clientId: session.clientId });
  return true;
}

/** The session is no longer away (resumed or ended): gives back what it held of the limits. */
export function unpark(ctx: RelayContext, session: Session): void {
  const resume = session.resume;
  if (resume?.awaySince === undefined) return;
  ctx.guards.awaySessions -= 1;
  ctx.guards.awayBytes -= resume.log.heldBytes;
  resume.awaySince = undefined;
  resume.log.connected();
}

/**
 * `6:<received>`: the client has the first `received` lines of its session, so its log may
 * forget them. A count of lines never sent is refused; one below what the log still holds is
 * an old acknowledgement and changes nothing. Without resume there is nothing to forget.
 */
export function acknowledgeLines(ctx: RelayContext, session: Session, received: number): void {
  const resume = session.resume;
  if (resume === undefined) return;
  if (received >= resume.log.nextSeq) {
    return ctx.refuse(session, 'malformed', `only ${resume.log.nextSeq - 1} lines were sent`);
  }
  resume.log.acknowledge(received);
}

/** At each tick: an away session past its time, or whose kept lines overflowed, ends. */
export function expireAway(ctx: RelayContext, session: Session, now: number): void {
  const resume = session.resume;
  if (resume?.awaySince === undefined) return;
  if (now - resume.awaySince >= ctx.limits.resumeTtlMs || resume.log.overflowed) {
    forgetSession(ctx, session);
  }
}

/**
 * `6:<id>:<token>:<received>` from a connection that is not logged in. A wrong token is refused
 * exactly as an unknown id, and counts as a failed login.
 */
export function resumeSession(ctx: RelayContext, fresh: Session, command: ResumeCommand): void {
  const target = ctx.state.clients.get(command.clientId);
  // Cluster mode: a session held by no connection of this node may be on another one.
  if (target === undefined && ctx.resumable) return askCluster(ctx, fresh, command);
  const resume = target?.resume;
  if (
    target === undefined ||
    resume === undefined ||
    !sameToken(resume.token, command.token) ||
    // Being handed over to, or arriving from, another node: one resume at a time.
    resume.handover !== undefined ||
    ctx.state.arrivals.has(command.clientId)
  ) {
    return failResume(ctx, fresh, 'resume_failed');
  }
  const missed = resume.log.after(command.received);
  if (missed === undefined) {
    // The client will log in afresh: its old session ends now, the room sees the leave.
    ctx.refuse(fresh, 'resume_gap');
    if (ctx.state.sessions.get(target.connId) === target && resume.awaySince === undefined) {
      ctx.refuse(target, 'session_resumed', 'the session was ended by a failed resume');
    } else {
      forgetSession(ctx, target);
    }
    return;
  }
  const oldConnId = target.connId;
  if (resume.awaySince === undefined) {
    // Still connected as far as the server knows (a half-open connection): that one is told
    // and closed. The line is not the session's any more, so it is not kept for a resume.
    const data = encodeError('session_resumed');
    ctx.emit({ type: 'send', connId: oldConnId, data, kind: 'error' });
    ctx.emit({ type: 'close', connId: oldConnId, code: 'session_resumed' });
  }
  moveSession(ctx, target, fresh);
  replayMissed(ctx, target, missed);
}

/** A resume refused; `resume_failed` counts as a failed login (the token may be guessed). */
export function failResume(ctx: RelayContext, fresh: Session, code: ErrorCode): void {
  if (code === 'resume_failed') fresh.authFailures += 1;
  ctx.refuse(fresh, code);
  if (fresh.authFailures >= ctx.limits.maxAuthFailures) {
    ctx.refuse(fresh, 'too_many_auth_failures');
  }
}

/** The answer `6:<id>:<missed>`, then the missed lines, to a session on its new connection. */
export function replayMissed(ctx: RelayContext, session: Session, lines: readonly Buffer[]): void {
  const { connId, clientId } = session;
  ctx.event({ kind: 'resumed', connId, clientId, missed: lines.length });
  // Neither the answer nor the replay is kept again: the log already holds the replayed lines.
  ctx.emit({ type: 'send', connId, data: encodeResumed(clientId, lines.length), kind: 'resume' });
  for (const data of lines) ctx.emit({ type: 'send', connId, data, kind: serverLineKind(data) });
}

/** The session takes over the fresh connection's id, transport and IP, in every table. */
function moveSession(ctx: RelayContext, session: Session, fresh: Session): void {
  const { sessions } = ctx.state;
  const oldConnId = session.connId;
  unpark(ctx, session);
  unbindUdp(ctx, session);
  releaseIp(ctx, session);
  sessions.delete(oldConnId);
  takeConnection(ctx, session, fresh);
}

/**
 * A resumed session takes the fresh connection's place: its id, transport and IP, and its place
 * under the IP cap. The fresh session goes.
 */
export function takeConnection(ctx: RelayContext, session: Session, fresh: Session): void {
  ctx.state.sessions.set(fresh.connId, session);
  session.connId = fresh.connId;
  session.transport = fresh.transport;
  session.remoteIp = fresh.remoteIp;
  session.guard.lastInputAt = ctx.guards.now;
  const room = session.room;
  if (room !== undefined) room.connIds[room.members.indexOf(session)] = session.connId;
}

/**
 * Compares a token in time that depends on the lengths only, never on where they differ, so
 * that the answer's timing tells a guesser nothing.
 */
export function sameToken(expected: string, offered: string): boolean {
  let difference = expected.length ^ offered.length;
  for (let index = 0; index < expected.length; index += 1) {
    difference |= expected.charCodeAt(index) ^ offered.charCodeAt(index % (offered.length || 1));
  }
  return difference === 0;
}
