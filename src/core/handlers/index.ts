import type { CommandType } from '../../protocol/commands.js';
import { handleGroupMessage } from './group-message.js';
import type { Handler } from './handler.js';
import { handleJoin } from './join.js';
import { handleLeave } from './leave.js';
import { handleListRooms } from './list-rooms.js';
import { handleLogin } from './login.js';
import { handleMessage } from './message.js';
import { handlePing } from './ping.js';
import { handleAck, handleResume } from './resume.js';
import { handleSetGroup } from './set-group.js';

/** One handler per command type; the compiler checks that none is missing. */
export const HANDLERS: { readonly [T in CommandType]: Handler<T> } = {
  login: handleLogin,
  'list-rooms': handleListRooms,
  join: handleJoin,
  leave: handleLeave,
  message: handleMessage,
  'group-message': handleGroupMessage,
  'set-group': handleSetGroup,
  ping: handlePing,
  resume: handleResume,
  ack: handleAck,
};
