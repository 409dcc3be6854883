import { parseCommand } from '../protocol/parse-command.js';
import type { RelayContext } from './context.js';
import type { Handler } from './handlers/handler.js';
import { HANDLERS } from './handlers/index.js';
import type { Session } from './state.js';

/**
 * One complete line from a session (protocol section 2): held while the session waits (for its
 * login check or its sequencer), else parsed and handed to its command's handler.
 */
export function handleLine(ctx: RelayContext, session: Session, line: Buffer): void {
  if (line.length === 0) return;
  if (session.phase === 'authenticating' || session.waiting !== undefined) {
    // Hold what a client pipelines behind its login, within bounds, and replay it after.
    if (
      session.pending.length >= ctx.limits.maxPendingCommands ||
      session.pendingBytes + line.length > ctx.limits.maxPendingBytes
    ) {
      return ctx.refuse(session, 'too_many_pending');
    }
    session.pending.push(Buffer.from(line));
    session.pendingBytes += line.length;
    return;
  }
  const command = parseCommand(line, ctx.limits);
  if (command.type === 'error') return ctx.refuse(session, command.code, command.reason);
  // Section 2: before a successful login every command but `0` (and §10's `6`) is refused.
  if (session.phase !== 'ready' && command.type !== 'login' && command.type !== 'resume') {
    return ctx.refuse(session, 'not_logged_in');
  }
  (HANDLERS[command.type] as Handler<typeof command.type>)(ctx, session, command);
}
