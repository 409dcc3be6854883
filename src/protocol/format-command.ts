/**
 * Client-side encoders: the lines a client sends (protocol section 2) and the datagrams of
 * section 6, as text without a newline. Pure string work, so the browser client can use it.
 * Arguments are not checked here; {@link fieldProblem} says what the server would refuse.
 */
import type { MessageMode } from './message-modes.js';
import { checkGroupName, checkRoomName, checkUsername } from './names.js';

/** `0:username:password`. */
export function formatLogin(username: string, password: string): string {
  return `0:${username}:${password}`;
}

/** `6:<clientId>:<token>:<received>`: resume a session instead of logging in (§10). */
export function formatResume(clientId: number, token: string, received: number): string {
  return `6:${clientId}:${token}:${received}`;
}

/** `6:<received>`: the first `received` lines of the session arrived; the server may forget them (§10). */
export function formatAck(received: number): string {
  return `6:${received}`;
}

/** `1` or `1:password`. */
export function formatListRooms(password = ''): string {
  return password === '' ? '1' : `1:${password}`;
}

/** `2:room` or `2:room:password`. */
export function formatJoin(room: string, password = ''): string {
  return password === '' ? `2:${room}` : `2:${room}:${password}`;
}

/** `2:-1`: leave the current room. */
export const LEAVE_LINE = '2:-1';

/** `3:<mode>:payload`. */
export function formatMessage(mode: MessageMode, payload: string): string {
  return `3:${mode}:${payload}`;
}

/** `4:group:payload`. */
export function formatGroupMessage(group: string, payload: string): string {
  return `4:${group}:${payload}`;
}

/** `5:group:id1:id2:...`; no ids deletes the group. */
export function formatSetGroup(group: string, clientIds: readonly number[]): string {
  return clientIds.length === 0 ? `5:${group}` : `5:${group}:${clientIds.join(':')}`;
}

/** `0:<id>`: the UDP bind datagram, repeated until `0:<id>:connected` comes back. */
export function formatUdpBind(clientId: number): string {
  return `0:${clientId}`;
}

/** `<id>:3:<mode>:payload`: a message over UDP. */
export function formatUdpMessage(clientId: number, mode: MessageMode, payload: string): string {
  return `${clientId}:3:${mode}:${payload}`;
}

/** `<id>:4:group:payload`: a group message over UDP. */
export function formatUdpGroupMessage(clientId: number, group: string, payload: string): string {
  return `${clientId}:4:${group}:${payload}`;
}

/** What a field of a client command is: its rules differ (section 2). */
export type FieldKind =
  'username' | 'login-password' | 'room' | 'room-password' | 'group' | 'payload';

const LINE_BREAK = /[\r\n]/;

/**
 * Why the server would refuse (or misread) this field, or undefined if it is fine. The name
 * rules are the server's own (names.ts); length limits are its configuration, not checked here.
 */
export function fieldProblem(kind: FieldKind, value: string): string | undefined {
  if (LINE_BREAK.test(value)) return `a ${kind} is one line: no \\r or \\n`;
  switch (kind) {
    case 'username':
      if (checkUsername(value, Infinity) !== undefined) {
        return 'a username holds no control characters';
      }
      return value.includes(':') ? "a username holds no ':'" : undefined;
    case 'login-password':
      // `0:username:password` has exactly three fields.
      return value.includes(':') ? "a login password holds no ':'" : undefined;
    case 'room':
      return checkRoomName(value, Infinity) === undefined
        ? undefined
        : "a room name is not empty, not -1, and holds no ':', ',' or control characters";
    case 'group':
      return checkGroupName(value, Infinity) === undefined && !value.includes(':')
        ? undefined
        : "a group name is not empty and holds no ':' or control characters";
    case 'room-password':
    case 'payload':
      // The last field of a line: the rest of it, `:` included (section 1).
      return undefined;
  }
}
