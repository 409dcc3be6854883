import { admitJoin, type JoinView } from '../core/admission.js';
import type { RelayLimits } from '../core/types.js';
import type { ErrorCode } from '../protocol/error-codes.js';

/** A version the commit need not check: the decision did not depend on it. */
const UNCHECKED = '*';

/**
 * A join decided in TypeScript between the join-view script and the commit script
 * (lua-scripts.ts): the view read from Redis, the rules of src/core/admission.ts applied to it,
 * and, when admitted, the versions the commit must find unchanged, exactly those the decision
 * read: the joiner's old room, the target room, and, when the join creates the room (the room
 * count and whether the old room closes decide it), the old room's and the room set's version.
 */
export type JoinDecision =
  | { readonly refusal: ErrorCode }
  /** ARGV 6 to 9 of the commit script: old room, its version, room version, room-set version. */
  | { readonly commit: readonly [string, string, string, string] };

export function decideJoin(
  reply: readonly string[],
  password: string,
  limits: Pick<RelayLimits, 'maxRooms' | 'maxRoomMembers'>,
): JoinDecision {
  const [old = '', oldMembers, oldVersion = '', roomVersion = '', roomPassword = ''] = reply;
  const [, , , , , roomMembers, roomCount, roomsVersion = '0'] = reply;
  const view: JoinView = {
    room:
      roomVersion === '' ? undefined : { password: roomPassword, memberCount: Number(roomMembers) },
    roomCount: Number(roomCount),
    leavesEmptyRoom: old !== '' && Number(oldMembers) === 1,
  };
  const refusal = admitJoin(view, password, limits);
  if (refusal !== undefined) return { refusal };
  const creates = view.room === undefined;
  return {
    commit: [
      old,
      creates ? oldVersion : UNCHECKED,
      roomVersion,
      creates ? roomsVersion : UNCHECKED,
    ],
  };
}
