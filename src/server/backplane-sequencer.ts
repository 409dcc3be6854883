import type { ClusterRequest } from '../core/cluster-types.js';
import type { RoomSequencer } from '../core/sequencer.js';

/**
 * An asynchronous sequencer as the core's {@link RoomSequencer}: each call becomes a
 * {@link ClusterRequest} for the backplane (the Redis one, docs/cluster.md), whose answers come
 * back later through `Relay.handle`.
 */
export function backplaneSequencer(request: (request: ClusterRequest) => void): RoomSequencer {
  return {
    join: ({ connId, clientId, room, password }) =>
      request({ op: 'join', connId, clientId, room, password }),
    leave: ({ connId, clientId }) => request({ op: 'leave', connId, clientId }),
    message: (room, event) => request({ op: 'publish', room: room.name, event }),
    group: (event) => request({ op: 'group', event }),
    listRooms: (connId, password) => request({ op: 'list-rooms', connId, password }),
    release: (room) => request({ op: 'unwatch', room }),
    resume: ({ connId, clientId, token }) => request({ op: 'resume', connId, clientId, token }),
    acceptResume: (ticket, room) => request({ op: 'resume-accept', ticket, room }),
    refuseResume: (ticket, code) => request({ op: 'resume-refuse', ticket, code }),
    handOver: (ticket, state) => request({ op: 'hand-over', ticket, state }),
  };
}
