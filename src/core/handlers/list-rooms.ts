import { encodeRoomList, type RoomListEntry } from '../../protocol/encode.js';
import type { Room } from '../state.js';
import type { Handler } from './handler.js';

/** `1[:password]`: public rooms, plus the private rooms whose password matches (section 8). */
export const handleListRooms: Handler<'list-rooms'> = (ctx, session, command) => {
  if (ctx.cluster) {
    const { connId } = session;
    return ctx.ask(session, { op: 'list-rooms', connId, password: command.password });
  }
  ctx.send(session, encodeRoomList(visibleRooms(ctx.state.rooms.values(), command.password)));
};

function* visibleRooms(rooms: Iterable<Room>, password: string): Iterable<RoomListEntry> {
  for (const room of rooms) {
    if (room.password === '' || (password !== '' && room.password === password)) {
      yield { name: room.name, memberCount: room.members.length };
    }
  }
}
