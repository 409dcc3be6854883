/**
 * The Socket.IO relay the bench compares Roomwire with (`--socketio`): the small relay a
 * Socket.IO user would naturally write for the workloads, with the `socket.io` server's
 * defaults except for the WebSocket transport only (no HTTP long-polling) and no
 * per-message deflate.
 *
 *   node dist/bench/socketio-relay.js --host 127.0.0.1 --port 5000
 *
 * Events (client -> server):
 * - `login` (username, ack): acknowledged with the client's numeric id.
 * - `join` (room, ack): leaves the previous room, `socket.join(room)`, acknowledged with the room.
 * - `message` (mode, payload): one event per recipient side, `message` (senderId, payload):
 *   mode 0 to the others, `socket.to(room).emit(...)`; mode 1 to all, `io.to(room).emit(...)`.
 *
 * Like the baseline relay it has no limits, no authentication, no logging and no metrics:
 * a lean relay, which is generous to it.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Server } from 'socket.io';

function main(): void {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
    },
  });
  const port = Number(values.port ?? 5000);
  const httpServer = createServer();
  const io = new Server(httpServer, { transports: ['websocket'], perMessageDeflate: false });
  let nextId = 1;
  io.on('connection', (socket) => {
    let id = 0;
    let room: string | undefined;
    socket.on('login', (_username: string, ack: (id: number) => void) => {
      if (id === 0) id = nextId++;
      ack(id);
    });
    socket.on('join', (name: string, ack: (room: string) => void) => {
      if (room !== undefined) void socket.leave(room);
      room = name;
      void socket.join(name);
      ack(name);
    });
    socket.on('message', (mode: number, payload: string) => {
      if (room === undefined || id === 0) return;
      if (mode === 1) io.to(room).emit('message', id, payload);
      else socket.to(room).emit('message', id, payload);
    });
  });
  httpServer.listen(port, values.host, () => {
    process.stdout.write(`socket.io relay listening on ${port}\n`);
  });
  const stop = (): void => process.exit(0);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main();
