import { acknowledgeLines, resumeSession } from '../resume.js';
import type { Handler } from './handler.js';

/** `6:<id>:<token>:<received>` (protocol §10): take over a session instead of logging in. */
export const handleResume: Handler<'resume'> = (ctx, session, command) => {
  if (session.phase === 'ready') return ctx.refuse(session, 'already_logged_in');
  resumeSession(ctx, session, command);
};

/** `6:<received>` (protocol §10): the client has the first `received` lines; they may go. */
export const handleAck: Handler<'ack'> = (ctx, session, command) => {
  acknowledgeLines(ctx, session, command.received);
};
