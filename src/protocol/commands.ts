/** Typed client-to-server commands (protocol section 2). */

/** Relay modes of `3:<mode>:payload`: 0 others, 1 all, 2 others ordered, 3 all ordered. */
export const MESSAGE_MODES = { others: 0, all: 1, othersOrdered: 2, allOrdered: 3 } as const;
export type MessageMode = (typeof MESSAGE_MODES)[keyof typeof MESSAGE_MODES];

/** True for modes that deliver to the sender as well (1 and 3). */
export function includesSender(mode: MessageMode): boolean {
  return mode === 1 || mode === 3;
}

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

export type Command =
  | LoginCommand
  | ListRoomsCommand
  | JoinCommand
  | LeaveCommand
  | MessageCommand
  | GroupMessageCommand
  | SetGroupCommand;

export type CommandType = Command['type'];
