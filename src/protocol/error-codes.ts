/**
 * Every error code the server can send, as `9:<code>:<reason>` (protocol reference section 7).
 *
 * A code is never renamed or reused: clients match on it. `closes` says whether the server
 * closes the connection after sending it.
 */
export const ERROR_CODES = {
  not_logged_in: { closes: false, reason: 'log in first with 0:username:password' },
  already_logged_in: { closes: false, reason: 'this connection is already logged in' },
  auth_failed: { closes: false, reason: 'wrong username or password' },
  auth_busy: { closes: false, reason: 'too many logins are being checked; try again shortly' },
  too_many_auth_failures: { closes: true, reason: 'too many failed logins' },
  bad_username: { closes: false, reason: 'invalid username' },
  malformed: { closes: false, reason: 'malformed command' },
  invalid_utf8: { closes: false, reason: 'the line is not valid UTF-8' },
  unknown_command: { closes: false, reason: 'unknown command type' },
  not_in_room: { closes: false, reason: 'join a room first' },
  bad_room_name: { closes: false, reason: 'invalid room name' },
  wrong_room_password: { closes: false, reason: 'wrong password for this private room' },
  room_full: { closes: false, reason: 'the room is full' },
  too_many_rooms: { closes: false, reason: 'the server has too many rooms' },
  bad_group_name: { closes: false, reason: 'invalid group name' },
  bad_client_id: { closes: false, reason: 'client ids are non-negative integers' },
  unknown_group: { closes: false, reason: 'no such group; define it with 5:group:ids' },
  group_too_large: { closes: false, reason: 'the group names too many clients' },
  too_many_groups: { closes: false, reason: 'this client has too many groups' },
  too_many_pending: { closes: false, reason: 'too many commands sent while the login is checked' },
  line_too_long: { closes: true, reason: 'line longer than the limit' },
  slow_consumer: { closes: true, reason: 'the client does not read fast enough' },
  server_full: { closes: true, reason: 'the server has too many connections' },
  shutting_down: { closes: true, reason: 'the server is shutting down' },
  internal: { closes: true, reason: 'internal error' },
  kicked: { closes: true, reason: 'removed by an administrator' },
  room_closed: { closes: false, reason: 'the room was closed by an administrator' },
  unavailable: { closes: false, reason: 'the cluster backplane is unavailable; try again' },
  login_timeout: { closes: true, reason: 'no login within the time limit' },
  idle_timeout: { closes: true, reason: 'nothing received within the idle timeout' },
  rate_limited: { closes: false, reason: 'too many messages; the excess is dropped' },
  rate_limit_exceeded: { closes: true, reason: 'over the message rate limit for too long' },
  too_many_connections_from_ip: { closes: true, reason: 'too many connections from this address' },
  write_timeout: { closes: true, reason: 'nothing could be written to this client for too long' },
  resume_failed: { closes: false, reason: 'no session to resume with this id and token; log in' },
  resume_gap: { closes: false, reason: 'the lines missed are no longer held; log in afresh' },
  session_resumed: { closes: true, reason: 'the session was resumed on another connection' },
  bad_password: { closes: false, reason: 'the password is too long' },
  bad_room_password: { closes: false, reason: 'the room password is too long' },
  too_many_group_ids: { closes: false, reason: 'this client names too many ids in its groups' },
  line_timeout: { closes: true, reason: 'a line was left unfinished for too long' },
} as const satisfies Record<string, { closes: boolean; reason: string }>;

/** A stable, lowercase error code as it appears on the wire. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** True when the server closes the connection after sending this code. */
export function closesConnection(code: ErrorCode): boolean {
  return ERROR_CODES[code].closes;
}

/** A refusal as a value: parsers and the core return these instead of throwing. */
export interface ProtocolError {
  readonly type: 'error';
  readonly code: ErrorCode;
  readonly reason: string;
}

/** Builds a {@link ProtocolError}, with the code's default reason unless one is given. */
export function protocolError(
  code: ErrorCode,
  reason: string = ERROR_CODES[code].reason,
): ProtocolError {
  return { type: 'error', code, reason };
}
