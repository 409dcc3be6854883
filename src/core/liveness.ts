import type { RelayContext } from './context.js';
import type { Session } from './state.js';

/**
 * The login deadline and the idle timeout (issue #4, protocol §9), judged at each tick. A reaped
 * client leaves its room as a disconnect does: the others see `2:<id>:` and, if needed, a new
 * master.
 */
export function checkLiveness(ctx: RelayContext, session: Session, now: number): void {
  const { loginTimeoutMs, idleTimeoutMs, idleTimeoutAll } = ctx.limits;
  const guard = session.guard;
  if (session.phase !== 'ready') {
    if (loginTimeoutMs > 0 && now - guard.connectedAt >= loginTimeoutMs) {
      ctx.refuse(session, 'login_timeout', `no login within ${loginTimeoutMs} ms`);
    }
    return;
  }
  // The original clients send no heartbeat: only those that sent a ping are held to it.
  if (idleTimeoutMs > 0 && (guard.pinged || idleTimeoutAll)) {
    if (now - guard.lastInputAt >= idleTimeoutMs) {
      ctx.refuse(session, 'idle_timeout', `nothing received for ${idleTimeoutMs} ms`);
    }
  }
}
