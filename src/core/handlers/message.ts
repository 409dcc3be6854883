import type { Handler } from './handler.js';

/** `3:<mode>:payload` (protocol section 5): ordered in the sender's room, then delivered. */
export const handleMessage: Handler<'message'> = (ctx, session, command) => {
  const room = session.room;
  if (room === undefined) return ctx.refuse(session, 'not_in_room');
  const { mode, payload } = command;
  ctx.sequencer.message(room, {
    kind: 'message',
    clientId: session.clientId,
    mode,
    udp: false,
    payload,
  });
};
