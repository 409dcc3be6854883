import type { RelayContext } from './context.js';
import type { Session } from './state.js';

/**
 * Counts a new session against its IP's cap (`maxConnectionsPerIp`); false when it is one too
 * many. Every counted session is released by {@link releaseIp} when it is forgotten.
 */
export function admitIp(ctx: RelayContext, session: Session): boolean {
  const cap = ctx.limits.maxConnectionsPerIp;
  if (cap === 0 || ctx.limits.maxConnectionsPerIpExempt.has(session.remoteIp)) return true;
  const counts = ctx.guards.connectionsPerIp;
  const count = (counts.get(session.remoteIp) ?? 0) + 1;
  counts.set(session.remoteIp, count);
  return count <= cap;
}

/** Gives back a forgotten session's place under its IP's cap. */
export function releaseIp(ctx: RelayContext, session: Session): void {
  const { maxConnectionsPerIp, maxConnectionsPerIpExempt } = ctx.limits;
  if (maxConnectionsPerIp === 0 || maxConnectionsPerIpExempt.has(session.remoteIp)) return;
  const counts = ctx.guards.connectionsPerIp;
  const count = (counts.get(session.remoteIp) ?? 1) - 1;
  if (count <= 0) counts.delete(session.remoteIp);
  else counts.set(session.remoteIp, count);
}
