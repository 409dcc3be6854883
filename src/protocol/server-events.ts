/**
 * Client-side view of server lines (protocol section 3), parsed from text. Used by the client
 * library, the load generator and tests. Unknown types are kept as `unknown`, as old clients
 * ignore types they do not know (section 1).
 */
export type ServerEvent =
  /** `resumeToken` when the server offers a resume (§10): `0:<id>:<token>`. */
  | { readonly type: 'logged-in'; readonly clientId: number; readonly resumeToken?: string }
  /** `6:<id>:<missed>`: the session was resumed, `missed` replayed lines follow (§10). */
  | { readonly type: 'resumed'; readonly clientId: number; readonly missed: number }
  | { readonly type: 'udp-connected'; readonly clientId: number }
  | { readonly type: 'room-list'; readonly rooms: readonly { name: string; memberCount: number }[] }
  | { readonly type: 'joined'; readonly clientId: number; readonly room: string }
  | { readonly type: 'left'; readonly clientId: number }
  | { readonly type: 'message'; readonly senderId: number; readonly payload: string }
  | { readonly type: 'master'; readonly masterId: number }
  | { readonly type: 'error'; readonly code: string; readonly reason: string }
  | { readonly type: 'unknown'; readonly line: string };

/** A resume token as the server issues it: base64url, 16 characters or more (§10). */
const RESUME_TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

/** Parses one server line or datagram (without its newline). */
export function parseServerLine(line: string): ServerEvent {
  const first = line.indexOf(':');
  const type = first === -1 ? line : line.slice(0, first);
  const rest = first === -1 ? '' : line.slice(first + 1);
  const second = rest.indexOf(':');
  const field1 = second === -1 ? rest : rest.slice(0, second);
  const tail = second === -1 ? undefined : rest.slice(second + 1);
  const id = /^\d+$/.test(field1) ? Number(field1) : undefined;
  switch (type) {
    case '0':
      if (id === undefined) break;
      if (tail === 'connected') return { type: 'udp-connected', clientId: id };
      // §10: a resume token is field 2 when it has a token's shape; other fields are ignored.
      if (tail !== undefined && RESUME_TOKEN.test(tail.split(':')[0] as string)) {
        return { type: 'logged-in', clientId: id, resumeToken: tail.split(':')[0] as string };
      }
      return { type: 'logged-in', clientId: id };
    case '6':
      if (id === undefined || tail === undefined || !/^\d+$/.test(tail)) break;
      return { type: 'resumed', clientId: id, missed: Number(tail) };
    case '1': {
      const rooms = parseRoomList(rest);
      if (rooms === undefined) break;
      return { type: 'room-list', rooms };
    }
    case '2':
      if (id === undefined || tail === undefined) break;
      return tail === ''
        ? { type: 'left', clientId: id }
        : { type: 'joined', clientId: id, room: tail };
    case '3':
      if (id === undefined || tail === undefined) break;
      return { type: 'message', senderId: id, payload: tail };
    case '4':
      if (id === undefined) break;
      return { type: 'master', masterId: id };
    case '9':
      return { type: 'error', code: field1, reason: tail ?? '' };
  }
  return { type: 'unknown', line };
}

function parseRoomList(text: string): { name: string; memberCount: number }[] | undefined {
  if (text === '') return [];
  const rooms: { name: string; memberCount: number }[] = [];
  for (const entry of text.split(',')) {
    // Clients split an entry at its LAST `-`: room names may contain `-`.
    const dash = entry.lastIndexOf('-');
    const count = entry.slice(dash + 1);
    if (dash <= 0 || !/^\d+$/.test(count)) return undefined;
    rooms.push({ name: entry.slice(0, dash), memberCount: Number(count) });
  }
  return rooms;
}
