import { resumeSession } from '../resume.js';
import type { Handler } from './handler.js';

/** `6:<id>:<token>:<received>` (protocol §10): take over a session instead of logging in. */
export const handleResume: Handler<'resume'> = (ctx, session, command) => {
  if (session.phase === 'ready') return ctx.refuse(session, 'already_logged_in');
  resumeSession(ctx, session, command);
};
