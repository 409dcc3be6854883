/**
 * Session resume across the nodes of a cluster (protocol §10, docs/cluster.md). A connection
 * resumes a session this node does not hold: the core asks its sequencer for it and waits. The
 * node holding it checks the token and gives the session up in the room's order: a `move` event
 * on the room's channel, before which the old node keeps the session's lines and after which
 * this one does (room-events.ts applies it), then the old node ships what the session is and
 * the lines it keeps; this node replays the lines after what the client received and goes on
 * live. Whatever goes wrong on the way is refused `resume_failed`, and a session that moved here
 * but never got its state leaves its room like a client that disconnected.
 */
import { encodeError } from '../protocol/encode.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import type { ResumeCommand } from '../protocol/commands.js';
import type { SessionState } from './cluster-types.js';
import type { RelayContext } from './context.js';
import { failResume, parkSession, replayMissed, sameToken, takeConnection } from './resume.js';
import { LineLog } from './resume-log.js';
import { forgetSession } from './sessions.js';
import { ARRIVING_CONN_ID, newSession, type Room, type Session } from './state.js';
import type { ClientId, ConnId } from './types.js';

/** `6:` for a session no connection of this node holds: the cluster is asked for it. */
export function askCluster(ctx: RelayContext, fresh: Session, command: ResumeCommand): void {
  const { clientId, token, received } = command;
  if (ctx.state.arrivals.has(clientId)) return failResume(ctx, fresh, 'resume_failed');
  fresh.arriving = { clientId, token, received, state: undefined, placeholder: undefined };
  ctx.state.arrivals.set(clientId, fresh);
  ctx.wait(fresh, 'resume');
  ctx.sequencer.resume({ connId: fresh.connId, clientId, token });
}

/** The sequencer refused the resume a connection waits for (or gave up on it). */
export function refuseArrival(ctx: RelayContext, fresh: Session, code: ErrorCode): void {
  abandonArrival(ctx, fresh);
  failResume(ctx, fresh, code);
  ctx.release(fresh);
}

/**
 * The connection no longer waits for the session (refused, or gone). A session that already
 * moved here without its state ends as a client that disconnected: the room sees it leave.
 */
export function abandonArrival(ctx: RelayContext, fresh: Session): void {
  const arrival = fresh.arriving;
  if (arrival === undefined) return;
  fresh.arriving = undefined;
  if (ctx.state.arrivals.get(arrival.clientId) === fresh)
    ctx.state.arrivals.delete(arrival.clientId);
  const placeholder = arrival.placeholder;
  if (placeholder === undefined) return;
  placeholder.resume = undefined;
  if (ctx.state.clients.get(placeholder.clientId) === placeholder) {
    ctx.state.clients.delete(placeholder.clientId);
  }
  const { clientId } = placeholder;
  ctx.sequencer.leave({ connId: -1, clientId, room: placeholder.room?.name });
}

/**
 * Another node asks for a session. Every node answers: one that does not hold it refuses, and so
 * does the holder for a wrong token or a session already on its way to another node, all with
 * `resume_failed`, so the asking node can refuse as soon as every node has (and a wrong token is
 * refused as an unknown id is). An accepted session stops taking input here and keeps its lines
 * until its `move` event.
 */
export function answerAsked(
  ctx: RelayContext,
  ticket: string,
  clientId: ClientId,
  token: string,
): void {
  const target = ctx.state.clients.get(clientId);
  const resume = target?.resume;
  if (
    target === undefined ||
    resume === undefined ||
    ctx.state.sessions.get(target.connId) !== target ||
    !sameToken(resume.token, token) ||
    resume.handover !== undefined ||
    target.waiting !== undefined ||
    ctx.state.arrivals.has(clientId)
  ) {
    return ctx.sequencer.refuseResume(ticket, 'resume_failed');
  }
  if (resume.awaySince === undefined) {
    // A half-open connection, as in one process: it is told and closed; its lines are kept.
    const oldConnId = target.connId;
    if (!parkSession(ctx, target)) return ctx.sequencer.refuseResume(ticket, 'resume_failed');
    const data = encodeError('session_resumed');
    ctx.emit({ type: 'send', connId: oldConnId, data, kind: 'error' });
    ctx.emit({ type: 'close', connId: oldConnId, code: 'session_resumed' });
  }
  resume.handover = ticket;
  const room = target.room;
  // In no room, nothing orders the move: the session goes at once.
  if (room === undefined) return shipSession(ctx, target, ticket);
  ctx.sequencer.acceptResume(ticket, room.name);
}

/**
 * The session leaves this node for the node of the ticket: what it is and every line it keeps
 * are shipped, and it is forgotten here without a leave. Its place in its room, if any, is
 * already a stand-in's (room-events.ts).
 */
export function shipSession(ctx: RelayContext, session: Session, ticket: string): void {
  const { firstSeq, lines } = session.resume?.log.held() ?? { firstSeq: 1, lines: [] };
  const state: SessionState = {
    clientId: session.clientId,
    username: session.username,
    room: session.room?.name ?? '',
    groups: [...session.groups],
    firstSeq,
    lines,
  };
  session.room = undefined;
  forgetSession(ctx, session, false);
  if (ctx.state.clients.get(session.clientId) === session)
    ctx.state.clients.delete(session.clientId);
  ctx.sequencer.handOver(ticket, state);
}

/**
 * The `move` event of a session this node asked for: the session is a member here from now on,
 * keeping the room's lines (not written to anyone) until its state arrives. Returns the member
 * to put in the stand-in's place, or undefined when this node is not waiting for it.
 */
export function arrivingMember(
  ctx: RelayContext,
  clientId: ClientId,
  room: Room,
): Session | undefined {
  const fresh = ctx.state.arrivals.get(clientId);
  const arrival = fresh?.arriving;
  if (fresh === undefined || arrival === undefined || arrival.placeholder !== undefined) {
    return undefined;
  }
  // The fresh connection's guard goes with it: its rate limits carry on.
  const member = newSession(ARRIVING_CONN_ID, fresh.transport, fresh.remoteIp, fresh.guard);
  member.phase = 'ready';
  member.clientId = clientId;
  member.room = room;
  const log = new LineLog();
  log.holdFromNow();
  member.resume = { token: arrival.token, log, awaySince: undefined, handover: undefined };
  arrival.placeholder = member;
  ctx.state.clients.set(clientId, member);
  return member;
}

/** Runs after the `move` event put {@link arrivingMember}'s member in place. */
export function memberArrived(ctx: RelayContext, clientId: ClientId): void {
  const fresh = ctx.state.arrivals.get(clientId);
  if (fresh?.arriving?.state !== undefined) install(ctx, fresh);
}

/** The state of a session this node asked for has come. */
export function stateArrived(ctx: RelayContext, connId: ConnId, state: SessionState): void {
  const fresh = ctx.state.sessions.get(connId);
  const arrival = fresh?.arriving;
  if (fresh === undefined || arrival === undefined || arrival.clientId !== state.clientId) {
    // Nobody waits for it any more: a session that moved here leaves its room.
    if (state.room !== '')
      ctx.sequencer.leave({ connId: -1, clientId: state.clientId, room: state.room });
    return;
  }
  arrival.state = state;
  // In a room, the session's `move` event may still be on its way.
  if (state.room === '' || arrival.placeholder !== undefined) install(ctx, fresh);
}

/**
 * The session takes over the fresh connection: its lines are the old node's followed by those
 * kept here since the move; the client gets those after what it received, then goes on live.
 */
function install(ctx: RelayContext, fresh: Session): void {
  const arrival = fresh.arriving;
  const state = arrival?.state;
  if (arrival === undefined || state === undefined) return;
  const limit = ctx.limits.resumeBufferBytes;
  const log = new LineLog(state.firstSeq);
  for (const line of state.lines) log.record(line, limit);
  for (const line of arrival.placeholder?.resume?.log.after(0) ?? []) log.record(line, limit);
  const kept = arrival.placeholder?.resume?.log.overflowed !== true;
  const missed = kept ? log.after(arrival.received) : undefined;
  const session =
    arrival.placeholder ?? newSession(fresh.connId, fresh.transport, fresh.remoteIp, fresh.guard);
  if (missed === undefined) {
    // As in one process: the client logs in afresh, and its old session ends.
    return refuseArrival(ctx, fresh, 'resume_gap');
  }
  fresh.arriving = undefined;
  ctx.state.arrivals.delete(arrival.clientId);
  session.phase = 'ready';
  session.clientId = arrival.clientId;
  session.username = state.username;
  for (const [name, ids] of state.groups) session.groups.set(name, ids);
  session.resume = { token: arrival.token, log, awaySince: undefined, handover: undefined };
  ctx.state.clients.set(session.clientId, session);
  takeConnection(ctx, session, fresh);
  // What the client pipelined behind its `6:` goes on after the replay.
  session.pending = fresh.pending;
  session.pendingBytes = fresh.pendingBytes;
  replayMissed(ctx, session, missed);
  ctx.release(session);
}
