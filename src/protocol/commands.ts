/** Typed client-to-server commands (protocol section 2). */

import type { MessageMode } from './message-modes.js';

export { includesSender, MESSAGE_MODES, type MessageMode } from './message-modes.js';

export interface LoginCommand {
  readonly type: 'login';
  readonly username: string;
  readonly password: string;
}
export interface ListRoomsCommand {
  readonly type: 'list-rooms';
  /** Empty when none was given. */
  readonly password: string;
}
export interface JoinCommand {
  readonly type: 'join';
  readonly room: string;
  /** Empty for a public room. */
  readonly password: string;
}
export interface LeaveCommand {
  readonly type: 'leave';
}
export interface MessageCommand {
  readonly type: 'message';
  readonly mode: MessageMode;
  /** The raw payload bytes, passed through untouched. */
  readonly payload: Buffer;
}
export interface GroupMessageCommand {
  readonly type: 'group-message';
  readonly group: string;
  readonly payload: Buffer;
}
export interface SetGroupCommand {
  readonly type: 'set-group';
  readonly group: string;
  readonly clientIds: readonly number[];
}
/** `8[:token]`: a Roomwire extension; the server answers `8:<token>` at once. */
export interface PingCommand {
  readonly type: 'ping';
  /** Up to {@link MAX_PING_TOKEN_LENGTH} printable ASCII characters; may be empty. */
  readonly token: string;
}

/**
 * `6:<clientId>:<token>:<received>` (a Roomwire extension, protocol §10): take over the session
 * of `clientId`, proven by the token of its login reply, and receive every line after the first
 * `received` lines it was sent.
 */
export interface ResumeCommand {
  readonly type: 'resume';
  readonly clientId: number;
  readonly token: string;
  readonly received: number;
}

/**
 * `6:<received>` (protocol §10): a logged-in client that resumes says it has received the first
 * `received` lines of its session, so the server need not keep them for a resume.
 */
export interface AckCommand {
  readonly type: 'ack';
  readonly received: number;
}

/** The longest token a ping may carry: enough for a sequence number and a timestamp. */
export const MAX_PING_TOKEN_LENGTH = 64;

export type Command =
  | LoginCommand
  | ListRoomsCommand
  | JoinCommand
  | LeaveCommand
  | MessageCommand
  | GroupMessageCommand
  | SetGroupCommand
  | PingCommand
  | ResumeCommand
  | AckCommand;

export type CommandType = Command['type'];
