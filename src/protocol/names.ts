import type { ErrorCode } from './error-codes.js';

/** C0, DEL and C1 control characters: never allowed in a name (they break other clients' output). */
const CONTROL_CHARACTER = /\p{Cc}/u;

/** Room names are non-empty, not `-1`, and hold no `:`, `,` or control characters (section 4). */
export function checkRoomName(room: string, maxLength: number): ErrorCode | undefined {
  if (room.length === 0 || room === '-1' || room.length > maxLength) return 'bad_room_name';
  if (room.includes(',') || room.includes(':') || CONTROL_CHARACTER.test(room)) {
    return 'bad_room_name';
  }
  return undefined;
}

/** Usernames may be empty (`0::` is used by real clients) but hold no control characters. */
export function checkUsername(username: string, maxLength: number): ErrorCode | undefined {
  if (username.length > maxLength || CONTROL_CHARACTER.test(username)) return 'bad_username';
  return undefined;
}

/** Group names are non-empty, within the length limit, and hold no control characters. */
export function checkGroupName(group: string, maxLength: number): ErrorCode | undefined {
  if (group.length === 0 || group.length > maxLength || CONTROL_CHARACTER.test(group)) {
    return 'bad_group_name';
  }
  return undefined;
}

/** Parses a client id field: a non-negative decimal integer within the safe range. */
export function parseClientId(field: string): number | undefined {
  if (field.length === 0 || field.length > 15 || !/^\d+$/.test(field)) return undefined;
  return Number(field);
}
