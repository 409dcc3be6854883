import { isUtf8 } from 'node:buffer';
import { protocolError, type ProtocolError } from './error-codes.js';
import { MAX_PING_TOKEN_LENGTH, type Command, type MessageMode } from './commands.js';
import { parseClientId } from './names.js';

const COLON = 58;
const DIGIT_0 = 48;
const DIGIT_3 = 51;

/**
 * Parses one line (without its newline) into a command, or an error value.
 *
 * Only syntax is checked here; limits and names are the core's to judge. The last field of a
 * relayed message is the rest of the line, colons included (protocol section 1), and its bytes
 * are handed on as a slice of `line`, never decoded.
 */
export function parseCommand(line: Buffer): Command | ProtocolError {
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
      return parseLogin(rest);
    case '1':
      return { type: 'list-rooms', password: rest === undefined ? '' : rest.toString('utf8') };
    case '2':
      return parseJoin(rest);
    case '3':
      return protocolError('malformed', 'expected 3:<mode 0-3>:<payload>');
    case '4':
      return parseGroupMessage(rest);
    case '5':
      return parseSetGroup(rest);
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

function parseLogin(rest: Buffer | undefined): Command | ProtocolError {
  const fields = rest === undefined ? [] : rest.toString('utf8').split(':');
  if (fields.length !== 2) return protocolError('malformed', 'expected 0:<username>:<password>');
  return { type: 'login', username: fields[0] as string, password: fields[1] as string };
}

function parseJoin(rest: Buffer | undefined): Command | ProtocolError {
  if (rest === undefined) return protocolError('malformed', 'expected 2:<room>[:<password>]');
  const text = rest.toString('utf8');
  const colon = text.indexOf(':');
  const room = colon === -1 ? text : text.slice(0, colon);
  // Section 4: `2:-1` leaves; the original joined a room named -1 instead.
  if (room === '-1') return { type: 'leave' };
  return { type: 'join', room, password: colon === -1 ? '' : text.slice(colon + 1) };
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

function parseSetGroup(rest: Buffer | undefined): Command | ProtocolError {
  if (rest === undefined) return protocolError('malformed', 'expected 5:<group>[:<id>...]');
  const [group, ...idFields] = rest.toString('utf8').split(':');
  const clientIds: number[] = [];
  for (const field of idFields) {
    // Tolerate a trailing colon (`5:g:1:2:`), as clients that join ids with a separator send.
    if (field === '') continue;
    const clientId = parseClientId(field);
    if (clientId === undefined) return protocolError('bad_client_id');
    clientIds.push(clientId);
  }
  return { type: 'set-group', group: group as string, clientIds };
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

function parseResume(rest: Buffer | undefined): Command | ProtocolError {
  const fields = rest === undefined ? [] : rest.toString('latin1').split(':');
  const [id = '', token = '', received = ''] = fields;
  const clientId = parseClientId(id);
  if (fields.length !== 3 || clientId === undefined || !RESUME_TOKEN.test(token)) {
    return protocolError('malformed', 'expected 6:<clientId>:<token>:<lines received>');
  }
  if (!LINE_COUNT.test(received)) {
    return protocolError('malformed', 'expected 6:<clientId>:<token>:<lines received>');
  }
  return { type: 'resume', clientId, token, received: Number(received) };
}
