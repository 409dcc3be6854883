import { isUtf8 } from 'node:buffer';
import { protocolError, type ProtocolError } from './error-codes.js';
import { MAX_PING_TOKEN_LENGTH, type Command, type MessageMode } from './commands.js';
import { parseClientId } from './names.js';

const COLON = 58;
const DIGIT_0 = 48;
const DIGIT_3 = 51;
/** The longest id field: 15 digits stay within the safe integers. */
const MAX_ID_DIGITS = 15;

/** The bounds the parser applies itself, so that no line costs more than its bound to read. */
export interface ParseLimits {
  /** Distinct ids of a group: one `5:` line may name twice as many, repeats counted. */
  readonly maxGroupSize: number;
  /** Characters of a login or room password (issue #15: a 1 MiB room password was kept). */
  readonly maxPasswordLength: number;
}

const UNBOUNDED: ParseLimits = { maxGroupSize: Infinity, maxPasswordLength: Infinity };

/**
 * Parses one line (without its newline) into a command, or an error value.
 *
 * Syntax is checked here, and the bounds of {@link ParseLimits}; the names are the core's to
 * judge. The last field of a relayed message is the rest of the line, colons included (protocol
 * section 1), and its bytes are handed on as a slice of `line`, never decoded.
 */
export function parseCommand(
  line: Buffer,
  limits: ParseLimits = UNBOUNDED,
): Command | ProtocolError {
  // Fast path for the relay's hottest line, `3:<mode>:payload`.
  if (line.length >= 4 && line[0] === DIGIT_3 && line[1] === COLON && line[3] === COLON) {
    const mode = (line[2] as number) - DIGIT_0;
    if (mode >= 0 && mode <= 3) {
      const payload = line.subarray(4);
      if (!isUtf8(payload)) return protocolError('invalid_utf8');
      return { type: 'message', mode: mode as MessageMode, payload };
    }
  }
  if (!isUtf8(line)) return protocolError('invalid_utf8');
  const firstColon = line.indexOf(COLON);
  const type = line.toString('latin1', 0, firstColon === -1 ? line.length : firstColon);
  const rest = firstColon === -1 ? undefined : line.subarray(firstColon + 1);
  switch (type) {
    case '0':
      return parseLogin(rest, limits);
    case '1':
      return parseListRooms(rest, limits);
    case '2':
      return parseJoin(rest, limits);
    case '3':
      return protocolError('malformed', 'expected 3:<mode 0-3>:<payload>');
    case '4':
      return parseGroupMessage(rest);
    case '5':
      return parseSetGroup(rest, limits);
    case '6':
      return parseResume(rest);
    case '8':
      return parsePing(rest);
    default:
      return /^\d+$/.test(type)
        ? protocolError('unknown_command', `unknown command type ${type}`)
        : protocolError('malformed', 'a line must start with a numeric command type');
  }
}

function parseLogin(rest: Buffer | undefined, limits: ParseLimits): Command | ProtocolError {
  const fields = rest === undefined ? [] : rest.toString('utf8').split(':');
  if (fields.length !== 2) return protocolError('malformed', 'expected 0:<username>:<password>');
  const password = fields[1] as string;
  if (password.length > limits.maxPasswordLength) return tooLong('bad_password', limits);
  return { type: 'login', username: fields[0] as string, password };
}

function parseListRooms(rest: Buffer | undefined, limits: ParseLimits): Command | ProtocolError {
  const password = rest === undefined ? '' : rest.toString('utf8');
  if (password.length > limits.maxPasswordLength) return tooLong('bad_room_password', limits);
  return { type: 'list-rooms', password };
}

function parseJoin(rest: Buffer | undefined, limits: ParseLimits): Command | ProtocolError {
  if (rest === undefined) return protocolError('malformed', 'expected 2:<room>[:<password>]');
  const text = rest.toString('utf8');
  const colon = text.indexOf(':');
  const room = colon === -1 ? text : text.slice(0, colon);
  // Section 4: `2:-1` leaves; the original joined a room named -1 instead.
  if (room === '-1') return { type: 'leave' };
  const password = colon === -1 ? '' : text.slice(colon + 1);
  if (password.length > limits.maxPasswordLength) return tooLong('bad_room_password', limits);
  return { type: 'join', room, password };
}

function tooLong(code: 'bad_password' | 'bad_room_password', limits: ParseLimits): ProtocolError {
  return protocolError(code, `a password is at most ${limits.maxPasswordLength} characters`);
}

function parseGroupMessage(rest: Buffer | undefined): Command | ProtocolError {
  const colon = rest === undefined ? -1 : rest.indexOf(COLON);
  if (rest === undefined || colon === -1) {
    return protocolError('malformed', 'expected 4:<group>:<payload>');
  }
  return {
    type: 'group-message',
    group: rest.toString('utf8', 0, colon),
    payload: rest.subarray(colon + 1),
  };
}

/**
 * `5:group:id:id...`, read byte by byte: an id is ASCII digits, empty fields are skipped (a
 * trailing colon, as clients that join ids with a separator send). The ids are counted as they
 * are read, and reading stops at the first past twice `maxGroupSize`, repeats counted, so a
 * 1 MiB line costs no more than a full group (issue #15); the core judges the distinct ones.
 */
function parseSetGroup(rest: Buffer | undefined, limits: ParseLimits): Command | ProtocolError {
  if (rest === undefined) return protocolError('malformed', 'expected 5:<group>[:<id>...]');
  const colon = rest.indexOf(COLON);
  const group = rest.toString('utf8', 0, colon === -1 ? rest.length : colon);
  const clientIds: number[] = [];
  const maxIds = 2 * limits.maxGroupSize;
  let digits = 0;
  let clientId = 0;
  for (let at = colon === -1 ? rest.length : colon + 1; at <= rest.length; at += 1) {
    const byte = at === rest.length ? COLON : (rest[at] as number);
    if (byte === COLON) {
      if (digits === 0) continue;
      if (clientIds.length >= maxIds) return protocolError('group_too_large');
      clientIds.push(clientId);
      digits = 0;
      clientId = 0;
      continue;
    }
    const digit = byte - DIGIT_0;
    if (digit < 0 || digit > 9 || digits === MAX_ID_DIGITS) return protocolError('bad_client_id');
    clientId = clientId * 10 + digit;
    digits += 1;
  }
  return { type: 'set-group', group, clientIds };
}

/** Printable ASCII, space to tilde: a token is echoed as it came, so it must not break framing. */
const PING_TOKEN = /^[\x20-\x7e]*$/;

function parsePing(rest: Buffer | undefined): Command | ProtocolError {
  const token = rest === undefined ? '' : rest.toString('latin1');
  if (token.length > MAX_PING_TOKEN_LENGTH || !PING_TOKEN.test(token)) {
    return protocolError(
      'malformed',
      `expected 8:<token>, a token of up to ${MAX_PING_TOKEN_LENGTH} printable ASCII characters`,
    );
  }
  return { type: 'ping', token };
}

/** A resume token: the base64url alphabet, as the server issues it, of a bounded length. */
const RESUME_TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
/** A line count: decimal, at most 15 digits (below 2^53). */
const LINE_COUNT = /^\d{1,15}$/;

const RESUME_SYNTAX = 'expected 6:<clientId>:<token>:<lines received>, or 6:<lines received>';

/** `6:<clientId>:<token>:<received>` resumes a session; `6:<received>` acknowledges lines (§10). */
function parseResume(rest: Buffer | undefined): Command | ProtocolError {
  const fields = rest === undefined ? [] : rest.toString('latin1').split(':');
  if (fields.length === 1) {
    const received = fields[0] as string;
    if (!LINE_COUNT.test(received)) return protocolError('malformed', RESUME_SYNTAX);
    return { type: 'ack', received: Number(received) };
  }
  const [id = '', token = '', received = ''] = fields;
  const clientId = parseClientId(id);
  if (fields.length !== 3 || clientId === undefined || !RESUME_TOKEN.test(token)) {
    return protocolError('malformed', RESUME_SYNTAX);
  }
  if (!LINE_COUNT.test(received)) return protocolError('malformed', RESUME_SYNTAX);
  return { type: 'resume', clientId, token, received: Number(received) };
}
