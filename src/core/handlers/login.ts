import { checkUsername } from '../../protocol/names.js';
import type { Handler } from './handler.js';

/** `0:username:password` (protocol section 2): asks the server's authenticator. */
export const handleLogin: Handler<'login'> = (ctx, session, command) => {
  // Section 2: a second login on the same connection is refused.
  if (session.phase === 'ready') return ctx.refuse(session, 'already_logged_in');
  const bad = checkUsername(command.username, ctx.limits.maxUsernameLength);
  if (bad !== undefined) return ctx.refuse(session, bad);
  session.phase = 'authenticating';
  session.username = command.username;
  ctx.emit({
    type: 'authenticate',
    connId: session.connId,
    username: command.username,
    password: command.password,
  });
};
