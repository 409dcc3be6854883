/**
 * Delivery (protocol section 5): turns a relayed message into writes, to a room or to a group,
 * over the transport it came on. Streams (TCP, WebSocket) and UDP differ only in the encoder and
 * the target: a connection, or a bound UDP address. Stream lines are kept for a resume (§10);
 * datagrams, unreliable by nature, are not.
 */
import { includesSender } from '../protocol/commands.js';
import { encodeMessage, encodeMessageDatagram } from '../protocol/encode.js';
import type { RelayContext } from './context.js';
import type { GroupEvent, MessageEvent } from './sequencer.js';
import type { Room, Session } from './state.js';
import type { ConnId } from './types.js';

/**
 * To the room's members, the sender only in modes 1 and 3: encoded once, the same bytes written
 * to every recipient. Every member sees the room's traffic in the room's one order, so the
 * ordered modes 2 and 3 need nothing more than modes 0 and 1 here.
 */
export function deliverToRoom(
  ctx: RelayContext,
  room: Room,
  sender: Session,
  event: MessageEvent,
): void {
  const skip = includesSender(event.mode) ? undefined : sender;
  if (!event.udp) {
    const data = encodeMessage(sender.clientId, event.payload);
    ctx.roomcast(room, skip, data, 'message');
    return;
  }
  // Section 6: only to members with a bound UDP address.
  const data = encodeMessageDatagram(sender.clientId, event.payload);
  for (const member of room.members) {
    if (member !== skip && member.udp !== undefined) ctx.datagram(member.udp, data, 'message');
  }
}

/**
 * `4:group:payload` (section 5): to each named client connected to this node, in any room, each
 * once (the group's ids are distinct); to the sender only if it named itself.
 */
export function deliverToGroup(ctx: RelayContext, event: GroupEvent): void {
  const data = event.udp
    ? encodeMessageDatagram(event.senderId, event.payload)
    : encodeMessage(event.senderId, event.payload);
  const connIds: ConnId[] = [];
  for (const clientId of event.targets) {
    const target = ctx.state.clients.get(clientId);
    if (target === undefined) continue;
    if (!event.udp) {
      connIds.push(target.connId);
      ctx.keep(target, data);
    } else if (target.udp !== undefined) ctx.datagram(target.udp, data, 'message');
  }
  if (connIds.length > 0) ctx.fanout(connIds, -1, data, 'message');
}
