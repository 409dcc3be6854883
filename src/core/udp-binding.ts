import { encodeUdpConnected } from '../protocol/encode.js';
import type { RelayContext } from './context.js';
import type { Session } from './state.js';
import type { UdpAddress } from './types.js';

/** Hands out UDP bind tokens: unguessable strings of `[A-Za-z0-9_-]`, chosen by the server. */
export type UdpTokenSource = () => string;

/**
 * The UDP binding rule (protocol section 6, issue #15 item 14): a client's first binding sticks
 * while it is in use. A bind from another address of the client's IP moves it only
 *
 * - with proof: the bind carries the token this client was given in an earlier bind answer
 *   (`0:<id>:connected:<token>`, sent only to the bound address, so a neighbour behind the same
 *   NAT never sees it), or
 * - after the bound address has sent nothing for `udpRebindSilenceMs` (an old client whose NAT
 *   mapping expired and came back on another port).
 *
 * A repeated bind from the bound address is always admitted, and counts as use. Returns whether
 * the bind may go ahead; if so, the binding is taken as in use from now on.
 */
export function admitBind(
  ctx: RelayContext,
  session: Session,
  from: UdpAddress,
  proof: string | undefined,
): boolean {
  const guard = session.guard;
  const current = session.udp;
  const admitted =
    current === undefined ||
    (current.ip === from.ip && current.port === from.port) ||
    (proof !== undefined && guard.udpToken !== undefined && proof === guard.udpToken) ||
    (ctx.limits.udpRebindSilenceMs > 0 &&
      ctx.guards.now - guard.udpHeardAt >= ctx.limits.udpRebindSilenceMs);
  if (admitted) guard.udpHeardAt = ctx.guards.now;
  return admitted;
}

/**
 * The bind answer: `0:<id>:connected`, and for a client that asked with the token form
 * (`0:<id>:<token or nothing>`) its token as a fourth field, issued on the first such bind and
 * the same for the session's life. Without a token source (unit tests) no token is issued.
 */
export function bindAnswer(ctx: RelayContext, session: Session, wantsToken: boolean): Buffer {
  const guard = session.guard;
  if (!wantsToken || ctx.guards.udpTokens === undefined) {
    return encodeUdpConnected(session.clientId);
  }
  guard.udpToken ??= ctx.guards.udpTokens();
  return encodeUdpConnected(session.clientId, guard.udpToken);
}
