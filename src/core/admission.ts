import type { ErrorCode } from '../protocol/error-codes.js';
import type { RelayLimits } from './types.js';

/**
 * What a sequencer knows of the cluster-wide state when it decides a join: the target room (if
 * it exists), how many rooms there are, and whether the joiner's old room closes when it leaves.
 * Each sequencer reads it from its own store (the in-process one from the core's rooms, the
 * Redis one from Redis) and asks {@link admitJoin}, the one home of the join rules.
 */
export interface JoinView {
  /** The target room, or undefined when the join would create it. */
  readonly room: { readonly password: string; readonly memberCount: number } | undefined;
  /** Rooms that exist now, cluster-wide. */
  readonly roomCount: number;
  /** The joiner is the last member of the room it leaves, which then closes. */
  readonly leavesEmptyRoom: boolean;
}

/**
 * The join admission rules (protocol sections 4 and 8): a refusal code, or undefined when the
 * join may go ahead. Every check comes before anything changes, so a refused join leaves the
 * client where it was.
 */
export function admitJoin(
  view: JoinView,
  password: string,
  limits: Pick<RelayLimits, 'maxRooms' | 'maxRoomMembers'>,
): ErrorCode | undefined {
  const { room } = view;
  if (room === undefined) {
    // The joiner's old room closes if it is its last member, which frees a place.
    const freed = view.leavesEmptyRoom ? 1 : 0;
    return view.roomCount - freed >= limits.maxRooms ? 'too_many_rooms' : undefined;
  }
  // Section 8: a private room needs the password it was created with.
  if (room.password !== '' && room.password !== password) return 'wrong_room_password';
  return room.memberCount >= limits.maxRoomMembers ? 'room_full' : undefined;
}

/**
 * Whether `1[:password]` lists a room (protocol section 8): public rooms, and the private rooms
 * whose password it matches.
 */
export function roomVisible(roomPassword: string, password: string): boolean {
  return roomPassword === '' || (password !== '' && roomPassword === password);
}
