/**
 * Encoders for every server-to-client line (protocol section 3). Outgoing lines are built only
 * here. TCP lines end in `\n`; UDP datagrams carry no newline.
 */
import type { ErrorCode } from './error-codes.js';
import { ERROR_CODES } from './error-codes.js';

const NEWLINE = 10;

function line(text: string): Buffer {
  return Buffer.from(`${text}\n`, 'utf8');
}

/**
 * `0:<clientId>`: login accepted; `0:<clientId>:<token>` when the session can be resumed
 * (protocol §10). Clients read field 1 and ignore the rest.
 */
export function encodeLoggedIn(clientId: number, resumeToken?: string): Buffer {
  return line(resumeToken === undefined ? `0:${clientId}` : `0:${clientId}:${resumeToken}`);
}

/** `6:<clientId>:<missed>`: the session was resumed; `missed` replayed lines follow (§10). */
export function encodeResumed(clientId: number, missed: number): Buffer {
  return line(`6:${clientId}:${missed}`);
}

/** A room as listed by `1:`. */
export interface RoomListEntry {
  readonly name: string;
  readonly memberCount: number;
}

/** `1:name-count,name-count,...` (`1:` when empty). */
export function encodeRoomList(rooms: Iterable<RoomListEntry>): Buffer {
  const entries: string[] = [];
  for (const room of rooms) entries.push(`${room.name}-${room.memberCount}`);
  return line(`1:${entries.join(',')}`);
}

/** `2:<clientId>:<room>`: a client is now in the room. */
export function encodeJoined(clientId: number, room: string): Buffer {
  return line(`2:${clientId}:${room}`);
}

/** `2:<clientId>:`: a client left the room. */
export function encodeLeft(clientId: number): Buffer {
  return line(`2:${clientId}:`);
}

/** `4:<masterId>`: the room's master client. */
export function encodeMaster(masterId: number): Buffer {
  return line(`4:${masterId}`);
}

/** `8:<token>`: the answer to a ping (a Roomwire extension), the client's token echoed. */
export function encodePong(token: string): Buffer {
  return Buffer.from(`8:${token}\n`, 'latin1');
}

/** `9:<code>:<reason>`: a refusal. The reason defaults to the code's own. */
export function encodeError(code: ErrorCode, reason: string = ERROR_CODES[code].reason): Buffer {
  return line(`9:${code}:${reason.replace(/[\r\n]/g, ' ')}`);
}

/**
 * `3:<senderId>:payload`, built once per relayed message and shared by every recipient. The
 * payload bytes are copied in as they are, never decoded.
 */
export function encodeMessage(senderId: number, payload: Buffer): Buffer {
  return frameMessage(senderId, payload, true);
}

/** The UDP form of {@link encodeMessage}: one datagram, no newline. */
export function encodeMessageDatagram(senderId: number, payload: Buffer): Buffer {
  return frameMessage(senderId, payload, false);
}

/**
 * `0:<clientId>:connected`: the UDP bind answer, as a datagram; `0:<clientId>:connected:<token>`
 * for a client that asked for a bind token (protocol section 6).
 */
export function encodeUdpConnected(clientId: number, token?: string): Buffer {
  const tail = token === undefined ? '' : `:${token}`;
  return Buffer.from(`0:${clientId}:connected${tail}`, 'latin1');
}

/** A refusal as a datagram, for a bound UDP sender. */
export function encodeErrorDatagram(code: ErrorCode): Buffer {
  return Buffer.from(`9:${code}:${ERROR_CODES[code].reason}`, 'latin1');
}

function frameMessage(senderId: number, payload: Buffer, newline: boolean): Buffer {
  const prefix = `3:${senderId}:`;
  const size = prefix.length + payload.length + (newline ? 1 : 0);
  const frame = Buffer.allocUnsafe(size);
  frame.write(prefix, 0, 'latin1');
  payload.copy(frame, prefix.length);
  if (newline) frame[size - 1] = NEWLINE;
  return frame;
}
