/**
 * The load generator's side of the wire: the clock every process shares, the lines clients send
 * (protocol section 2), and a byte-level reader of relayed messages. Everything else a client
 * receives is parsed with the project's own codec (`parseServerLine`, `LineDecoder`).
 */

/**
 * Absolute time in whole microseconds, comparable across processes on one machine: the wall
 * clock at process start plus the monotonic clock since (sub-millisecond precision).
 */
export function nowUs(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

export function loginLine(username: string): string {
  return `0:${username}:pw\n`;
}

export function joinLine(room: string): string {
  return `2:${room}\n`;
}

/**
 * Builds message payloads of `size` bytes: the send time in microseconds (16 digits today),
 * then `x` padding. A payload is never shorter than the time stamp.
 */
export function payloadMaker(size: number): (sentUs: number) => string {
  const padding = 'x'.repeat(Math.max(0, size - String(nowUs()).length));
  return (sentUs) => `${sentUs}${padding}`;
}

/** `3:<mode>:payload\n`, the TCP relay command. */
export function messageLine(mode: number, payload: string): string {
  return `3:${mode}:${payload}\n`;
}

/** `<id>:3:<mode>:payload`, the UDP relay datagram (the Unity client's framing). */
export function messageDatagram(clientId: number, mode: number, payload: string): string {
  return `${clientId}:3:${mode}:${payload}`;
}

/** `<id>:0:bench`, the UDP bind datagram. */
export function bindDatagram(clientId: number): string {
  return `${clientId}:0:bench`;
}

/**
 * The send time a payload of {@link payloadMaker} starts with, read from a string (a Socket.IO
 * event's argument): `parseInt` stops at the padding.
 */
export function payloadSentUs(payload: string): number {
  return parseInt(payload, 10);
}

const COLON = 58;
const ZERO = 48;
const THREE = 51;

/** A relayed message as read by {@link readMessage}; a reused object, to allocate nothing. */
export interface MessageView {
  senderId: number;
  sentUs: number;
}

/**
 * Reads `3:<senderId>:<sentUs>...` (a line without its newline, or a datagram) into `out`.
 * Returns false for any other line, which the caller hands to `parseServerLine`. This is the
 * hot path of the generator: it must read a million lines a second on one core, so it never
 * decodes the bytes to a string.
 */
export function readMessage(line: Uint8Array, out: MessageView): boolean {
  if (line.length < 4 || line[0] !== THREE || line[1] !== COLON) return false;
  let index = 2;
  let senderId = 0;
  let byte = line[index] ?? 0;
  while (byte !== COLON) {
    const digit = byte - ZERO;
    if (digit < 0 || digit > 9) return false;
    senderId = senderId * 10 + digit;
    index += 1;
    if (index >= line.length) return false;
    byte = line[index] ?? 0;
  }
  let sentUs = 0;
  for (index += 1; index < line.length; index += 1) {
    const digit = (line[index] ?? 0) - ZERO;
    if (digit < 0 || digit > 9) break;
    sentUs = sentUs * 10 + digit;
  }
  out.senderId = senderId;
  out.sentUs = sentUs;
  return true;
}
