/**
 * The baseline the benchmarks compare Roomwire with: the leanest `node:net` + `node:dgram` relay
 * of the messages the workloads use. No limits, no logging, no metrics; plain, it makes one
 * `socket.write` per recipient with `setNoDelay(true)`, as a lean relay naturally does.
 *
 *   node dist/bench/baseline-relay.js --host 127.0.0.1 --port 5000
 *
 * Understands `0:user:pw` -> `0:<id>`; `2:room` -> `2:<id>:room` to the joiner only; `2:-1`;
 * `3:<mode>:payload` -> `3:<id>:payload` to the others (0, 2) or all (1, 3); over UDP, the bind
 * `<id>:0:x` -> `0:<id>:connected` and `<id>:3:<mode>:payload`. Anything else is ignored.
 *
 * `--ws-port P` also serves the same relay over WebSocket (the `ws` library, any path): one
 * message in is one line, every line out is one text message, as Roomwire's `/ws` does.
 *
 * `--cork` is the one variant, and the one `--baseline` runs (`baseline-cork`): each recipient
 * socket is corked on its first write of an event-loop turn and uncorked after the turn's I/O
 * (`setImmediate`), so every line the turn's reads fan out to one socket leaves in one
 * `writev`, as Roomwire batches. The plain variant (`--baseline-plain`) is kept to show what
 * that single batching step is worth.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { WebSocketServer, type WebSocket } from 'ws';

interface Client {
  readonly id: number;
  /** Writes one line (newline included) to the client's TCP socket or WebSocket. */
  readonly write: (data: Buffer | string) => void;
  readonly prefix: Buffer;
  room: Client[] | undefined;
  udpPort: number;
  udpAddress: string;
}

const NEWLINE = 10;
let cork = false;
const rooms = new Map<string, Client[]>();
const clients = new Map<number, Client>();
let nextId = 1;

function leave(client: Client): void {
  const room = client.room;
  if (room === undefined) return;
  room.splice(room.indexOf(client), 1);
  client.room = undefined;
  if (room.length === 0) {
    for (const [name, members] of rooms) if (members === room) rooms.delete(name);
  }
}

/** `3:<id>:` + payload (+ newline for TCP), as one buffer shared by every recipient. */
function frame(client: Client, payload: Buffer, newline: boolean): Buffer {
  const prefix = client.prefix;
  const out = Buffer.allocUnsafe(prefix.length + payload.length + (newline ? 1 : 0));
  prefix.copy(out, 0);
  payload.copy(out, prefix.length);
  if (newline) out[out.length - 1] = NEWLINE;
  return out;
}

/** `--cork`: the sockets corked in this event-loop turn, uncorked together after its I/O. */
const corked: net.Socket[] = [];

function uncorkAll(): void {
  for (const socket of corked) socket.uncork();
  corked.length = 0;
}

function tcpWriter(socket: net.Socket): (data: Buffer | string) => void {
  return (data) => {
    if (cork && socket.writableCorked === 0) {
      socket.cork();
      if (corked.push(socket) === 1) setImmediate(uncorkAll);
    }
    socket.write(data);
  };
}

const TEXT = { binary: false } as const;

function wsWriter(websocket: WebSocket): (data: Buffer | string) => void {
  return (data) => websocket.send(data, TEXT);
}

function onLine(client: Client, line: Buffer): void {
  const type = line[0];
  if (type === 51 /* 3 */ && client.room !== undefined) {
    const mode = line[2];
    const data = frame(client, line.subarray(4), true);
    const withSender = mode === 49 /* 1 */ || mode === 51; /* 3 */
    for (const member of client.room) {
      if (withSender || member !== client) member.write(data);
    }
  } else if (type === 48 /* 0 */) {
    client.write(`0:${client.id}\n`);
  } else if (type === 50 /* 2 */) {
    const fields = line.toString('utf8').split(':');
    const name = fields[1] ?? '';
    leave(client);
    if (name === '-1') return;
    let room = rooms.get(name);
    if (room === undefined) rooms.set(name, (room = []));
    room.push(client);
    client.room = room;
    client.write(`2:${client.id}:${name}\n`);
  }
}

function addClient(write: (data: Buffer | string) => void): Client {
  const id = nextId++;
  const client: Client = {
    id,
    write,
    prefix: Buffer.from(`3:${id}:`),
    room: undefined,
    udpPort: 0,
    udpAddress: '',
  };
  clients.set(id, client);
  return client;
}

function removeClient(client: Client): void {
  leave(client);
  clients.delete(client.id);
}

function accept(socket: net.Socket): void {
  socket.setNoDelay(true);
  const client = addClient(tcpWriter(socket));
  let rest: Buffer | undefined;
  socket.on('data', (data: Buffer) => {
    const chunk = rest === undefined ? data : Buffer.concat([rest, data]);
    rest = undefined;
    let start = 0;
    let newline = chunk.indexOf(NEWLINE);
    while (newline !== -1) {
      let end = newline;
      if (end > start && chunk[end - 1] === 13) end -= 1;
      onLine(client, chunk.subarray(start, end));
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) rest = chunk.subarray(start);
  });
  socket.on('error', () => {});
  socket.on('close', () => removeClient(client));
}

function acceptWebSocket(websocket: WebSocket): void {
  const client = addClient(wsWriter(websocket));
  websocket.on('message', (data: Buffer) => {
    const end = data[data.length - 1] === NEWLINE ? data.length - 1 : data.length;
    onLine(client, data.subarray(0, end));
  });
  websocket.on('error', () => {});
  websocket.on('close', () => removeClient(client));
}

function onDatagram(udp: dgram.Socket, data: Buffer, from: dgram.RemoteInfo): void {
  const first = data.indexOf(58 /* : */);
  if (first < 1 || data.length < first + 3) return;
  const client = clients.get(Number(data.toString('latin1', 0, first)));
  if (client === undefined) return;
  const type = data[first + 1];
  if (type === 48 /* 0 */) {
    client.udpPort = from.port;
    client.udpAddress = from.address;
    udp.send(`0:${client.id}:connected`, from.port, from.address);
    return;
  }
  if (type !== 51 || client.udpPort !== from.port || client.udpAddress !== from.address) return;
  const room = client.room;
  if (room === undefined) return;
  const mode = data[first + 3];
  const out = frame(client, data.subarray(first + 5), false);
  const withSender = mode === 49 || mode === 51;
  for (const member of room) {
    if (member.udpPort !== 0 && (withSender || member !== client)) {
      udp.send(out, member.udpPort, member.udpAddress);
    }
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      cork: { type: 'boolean', default: false },
      'ws-port': { type: 'string' },
    },
  });
  cork = values.cork;
  const host = values.host;
  const port = Number(values.port ?? 5000);
  const server = net.createServer({ noDelay: true }, accept);
  const udp = dgram.createSocket('udp4');
  udp.on('message', (data, from) => onDatagram(udp, data, from));
  server.listen(port, host, () => {
    udp.bind(port, host, () => process.stdout.write(`baseline relay listening on ${port}\n`));
  });
  const wsPort = values['ws-port'];
  if (wsPort !== undefined) {
    const wss = new WebSocketServer({
      host,
      port: Number(wsPort),
      perMessageDeflate: false,
      skipUTF8Validation: true,
    });
    wss.on('connection', acceptWebSocket);
  }
  const stop = (): void => process.exit(0);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main();
