import type { Command, CommandType } from '../../protocol/commands.js';
import type { RelayContext } from '../context.js';
import type { Session } from '../state.js';

/** Handles one parsed command of type `T` for a session. */
export type Handler<T extends CommandType> = (
  ctx: RelayContext,
  session: Session,
  command: Extract<Command, { type: T }>,
) => void;
