import { includesSender } from '../protocol/commands.js';
import { encodeErrorDatagram, encodeMessageDatagram } from '../protocol/encode.js';
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
    ctx.emit({ type: 'datagram', to: from, data: bindAnswer(ctx, session, datagram.wantsToken) });
    return;
  }
  if (bound === undefined || bound.clientId !== datagram.clientId) {
    return drop(ctx, from, bound === undefined ? 'unbound' : 'wrong-ip');
  }
  bound.guard.lastInputAt = ctx.guards.now;
  bound.guard.udpHeardAt = ctx.guards.now;
  if (!admitDatagram(ctx, bound, data.length)) return;
  if (datagram.type === 'invalid') {
    ctx.emit({ type: 'datagram', to: from, data: encodeErrorDatagram('malformed') });
    return drop(ctx, from, 'malformed');
  }
  if (datagram.type === 'message') {
    const room = bound.room;
    if (room === undefined) {
      ctx.emit({ type: 'datagram', to: from, data: encodeErrorDatagram('not_in_room') });
      return;
    }
    if (ctx.cluster) {
      return ctx.publish(room, bound.clientId, datagram.mode, true, datagram.payload);
    }
    const data = encodeMessageDatagram(bound.clientId, datagram.payload);
    const except = includesSender(datagram.mode) ? undefined : bound;
    for (const member of room.members) {
      if (member !== except && member.udp !== undefined) {
        ctx.emit({ type: 'datagram', to: member.udp, data });
      }
    }
    return;
  }
  const members = bound.groups.get(datagram.group);
  if (members === undefined) {
    ctx.emit({ type: 'datagram', to: from, data: encodeErrorDatagram('unknown_group') });
    return;
  }
  if (!admitFanout(ctx, bound, members.length, true)) return;
  if (ctx.cluster) return ctx.publishGroup(bound.clientId, members, true, datagram.payload);
  const message = encodeMessageDatagram(bound.clientId, datagram.payload);
  for (const clientId of members) {
    const target = ctx.state.clients.get(clientId)?.udp;
    if (target !== undefined) ctx.emit({ type: 'datagram', to: target, data: message });
  }
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
