/**
 * What a message is (protocol sections 2, 3 and 6), for metrics. Outgoing lines are labelled by
 * the core where it encodes them; incoming lines and datagrams are classified here, by their
 * type field, before the core parses them.
 */

export const MESSAGE_KINDS = [
  'login',
  'rooms',
  'join',
  'leave',
  'message',
  'group_message',
  'group',
  'master',
  'ping',
  'error',
  'bind',
  'resume',
  'other',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** The kinds a server line or datagram can be. */
export type OutgoingKind = Extract<
  MessageKind,
  'login' | 'rooms' | 'join' | 'leave' | 'message' | 'master' | 'ping' | 'error' | 'bind' | 'resume'
>;

/** A kind's index in {@link MESSAGE_KINDS}, for counters kept in typed arrays. */
export const KIND_INDEX = Object.fromEntries(
  MESSAGE_KINDS.map((kind, index) => [kind, index]),
) as Readonly<Record<MessageKind, number>>;

/** A first-byte lookup: 256 entries, `other` unless the byte is a known message type. */
function kindTable(types: Readonly<Record<string, MessageKind>>): Uint8Array {
  const table = new Uint8Array(256).fill(KIND_INDEX.other);
  for (const [digit, kind] of Object.entries(types)) table[digit.charCodeAt(0)] = KIND_INDEX[kind];
  return table;
}

const LINE_IN = kindTable({
  0: 'login',
  1: 'rooms',
  2: 'join',
  3: 'message',
  4: 'group_message',
  5: 'group',
  6: 'resume',
  8: 'ping',
});
const DATAGRAM_IN = kindTable({ 0: 'bind', 3: 'message', 4: 'group_message' });
const COLON = 58;

/** The kind index of a client's line: its type field; `2:-1` is a leave, any other `2:` a join. */
export function lineKindIndex(line: Buffer): number {
  const kind = LINE_IN[line[0] ?? 0] as number;
  if (kind === KIND_INDEX.join && line.length === 4 && line[2] === 45 && line[3] === 49) {
    return KIND_INDEX.leave;
  }
  return kind;
}

const SERVER_LINE = kindTable({
  0: 'login',
  1: 'rooms',
  2: 'join',
  3: 'message',
  4: 'master',
  6: 'resume',
  8: 'ping',
  9: 'error',
});

/**
 * The kind of a line the server wrote to a stream (protocol sections 3, 7, 9 and 10), read from
 * its bytes: what the core labelled it when it was written, for lines replayed from a resume
 * log. `2:<id>:` (an empty room) is a leave.
 */
export function serverLineKind(line: Buffer): OutgoingKind {
  const kind = MESSAGE_KINDS[SERVER_LINE[line[0] ?? 0] as number] as MessageKind;
  if (kind !== 'join') return kind as OutgoingKind;
  const end = line.at(-1) === 10 ? line.length - 1 : line.length;
  return line[end - 1] === COLON ? 'leave' : 'join';
}

/** The kind index of a datagram: `0:<id>` binds, `<id>:<type>:...` carries a one-digit type. */
export function datagramKindIndex(data: Buffer): number {
  const colon = data.indexOf(COLON);
  if (colon > 0 && data[colon + 2] === COLON)
    return DATAGRAM_IN[data[colon + 1] as number] as number;
  return colon === 1 && data[0] === 48 ? KIND_INDEX.bind : KIND_INDEX.other;
}
