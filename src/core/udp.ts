import { encodeErrorDatagram } from '../protocol/encode.js';
import { parseDatagram } from '../protocol/parse-datagram.js';
import type { RelayContext } from './context.js';
import { admitFanout } from './fanout-budget.js';
import { admitDatagram } from './rate-limit.js';
import { admitBind, bindAnswer } from './udp-binding.js';
import { udpKey, type Session } from './state.js';
import type { UdpAddress, UdpDropReason } from './types.js';

/**
 * One UDP datagram (protocol section 6). Binding needs the IP of the client's TCP connection;
 * relaying needs the address bound to the claimed id. Anything else is dropped silently: an
 * unverified source never gets an answer.
 */
export function handleDatagram(ctx: RelayContext, from: UdpAddress, data: Buffer): void {
  const datagram = parseDatagram(data);
  const key = udpKey(from);
  const bound = ctx.state.udpBindings.get(key);
  if (datagram.type === 'bind') {
    const session = ctx.state.clients.get(datagram.clientId);
    if (session === undefined) return drop(ctx, from, 'unknown-client');
    if (session.remoteIp !== from.ip) return drop(ctx, from, 'wrong-ip');
    if (bound !== undefined && bound !== session) return drop(ctx, from, 'wrong-ip');
    if (!admitBind(ctx, session, from, datagram.proof)) return drop(ctx, from, 'wrong-ip');
    // A bind answer is longer than a bind: the rate limit bounds what a spoofed source gets.
    if (!admitDatagram(ctx, session)) return;
    bindUdp(ctx, session, from, key);
    ctx.datagram(from, bindAnswer(ctx, session, datagram.wantsToken), 'bind');
    return;
  }
  if (bound === undefined || bound.clientId !== datagram.clientId) {
    return drop(ctx, from, bound === undefined ? 'unbound' : 'wrong-ip');
  }
  bound.guard.lastInputAt = ctx.guards.now;
  bound.guard.udpHeardAt = ctx.guards.now;
  if (!admitDatagram(ctx, bound, data.length)) return;
  if (datagram.type === 'invalid') {
    ctx.datagram(from, encodeErrorDatagram('malformed'), 'error');
    return drop(ctx, from, 'malformed');
  }
  const { clientId } = bound;
  const { payload } = datagram;
  // The same ordering and delivery as the stream commands, over UDP (section 5).
  if (datagram.type === 'message') {
    const room = bound.room;
    if (room === undefined) return ctx.datagram(from, encodeErrorDatagram('not_in_room'), 'error');
    const { mode } = datagram;
    return ctx.sequencer.message(room, { kind: 'message', clientId, mode, udp: true, payload });
  }
  const targets = bound.groups.get(datagram.group);
  if (targets === undefined)
    return ctx.datagram(from, encodeErrorDatagram('unknown_group'), 'error');
  if (!admitFanout(ctx, bound, targets.length, true)) return;
  ctx.sequencer.group({ senderId: clientId, targets, udp: true, payload });
}

function bindUdp(ctx: RelayContext, session: Session, address: UdpAddress, key: string): void {
  if (session.udp !== undefined) ctx.state.udpBindings.delete(udpKey(session.udp));
  session.udp = { ip: address.ip, port: address.port };
  ctx.state.udpBindings.set(key, session);
  ctx.event({ kind: 'udp-bound', clientId: session.clientId, address: session.udp });
}

/** Forgets a session's UDP binding, when it disconnects. */
export function unbindUdp(ctx: RelayContext, session: Session): void {
  if (session.udp !== undefined) ctx.state.udpBindings.delete(udpKey(session.udp));
  session.udp = undefined;
}

function drop(ctx: RelayContext, from: UdpAddress, why: UdpDropReason): void {
  ctx.event({ kind: 'udp-dropped', from, why });
}
