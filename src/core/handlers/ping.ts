import { encodePong } from '../../protocol/encode.js';
import type { Handler } from './handler.js';

/**
 * `8:<token>` (protocol §9, a Roomwire extension): answered `8:<token>` at once; opts the client
 * into the idle timeout.
 */
export const handlePing: Handler<'ping'> = (ctx, session, command) => {
  session.guard.pinged = true;
  ctx.send(session, encodePong(command.token), 'ping');
};
