import type { RoomListEntry } from '../protocol/encode.js';
import type { RedisKeys } from './channel-codec.js';
import type { Link } from './redis-links.js';

/** Rooms read per step: every command of the list is this small (`ZRANGE ... LIMIT`, `HMGET`). */
const CHUNK = 1_000;

/**
 * The room list (protocol section 8) read in small steps instead of one script looping over every
 * room while it holds Redis (issue 15, item 12): the room set's index in creation order, 1,000
 * rooms at a time by creation number, and for each step the private rooms' passwords and the
 * member counts from the room set's `sizes` hash (one Redis: the count, kept by the scripts;
 * Redis Cluster: `created:seq:count`, sent by the nodes after each join and leave). A room counted
 * with no member (being created, or closing) is left out by the core, unless the node holds a
 * replica of it (src/core/room-events.ts `answerRoomList`). Not one atomic snapshot: a room created or
 * closed while the list is read may or may not be in it, as if the list had been read a moment
 * earlier or later.
 */
export async function readRoomList(
  cmd: Link,
  keys: RedisKeys,
  password: string,
): Promise<RoomListEntry[]> {
  const rooms: RoomListEntry[] = [];
  let after = '-inf';
  for (;;) {
    const flat = await cmd.zrange(
      keys.roomIndex,
      after,
      '+inf',
      'BYSCORE',
      'LIMIT',
      0,
      CHUNK,
      'WITHSCORES',
    );
    if (flat.length === 0) return rooms;
    const names: string[] = [];
    for (let index = 0; index + 1 < flat.length; index += 2) names.push(flat[index] as string);
    after = `(${flat[flat.length - 1] as string}`;
    const [secrets, counts] = await Promise.all([
      cmd.hmget(keys.roomPasswords, ...names),
      cmd.hmget(keys.roomSizes, ...names),
    ]);
    names.forEach((name, index) => {
      const secret = secrets[index];
      const memberCount = Number((counts[index] ?? '0').split(':').pop());
      const visible =
        secret === null || secret === undefined || (password !== '' && secret === password);
      if (visible) rooms.push({ name, memberCount });
    });
    if (names.length < CHUNK) return rooms;
  }
}
