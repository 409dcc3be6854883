/**
 * One simulated game client of the load generator: a TCP connection, a WebSocket or a
 * Socket.IO socket (and, for the udp workload, a bound UDP socket) that logs in, joins its room,
 * sends what the workload asks and measures every relayed message it receives.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { io, type Socket as SocketIoSocket } from 'socket.io-client';
import WebSocket from 'ws';
import { LineDecoder } from '../src/protocol/line-decoder.js';
import { parseServerLine, type ServerEvent } from '../src/protocol/server-events.js';
import { Histogram } from './histogram.js';
import type { BenchNode, RoomShare, WorkerPlan } from './types.js';
import {
  bindDatagram,
  joinLine,
  loginLine,
  messageLine,
  nowUs,
  payloadSentUs,
  readMessage,
  type MessageView,
} from './wire.js';

/** What every client of one worker adds to: counters, the latency histogram, errors. */
export class Meter {
  measureStartUs = Infinity;
  measureEndUs = Infinity;
  sent = 0;
  expected = 0;
  received = 0;
  sentTotal = 0;
  receivedTotal = 0;
  /** The part of `expected` and `received` sent over UDP. */
  udpExpected = 0;
  udpReceived = 0;
  readonly latency = new Histogram();
  readonly errors: Record<string, number> = {};

  onSent(sentUs: number, recipients: number, udp = false): void {
    this.sentTotal += 1;
    if (sentUs >= this.measureStartUs && sentUs < this.measureEndUs) {
      this.sent += 1;
      this.expected += recipients;
      if (udp) this.udpExpected += recipients;
    }
  }

  onDelivered(sentUs: number, receivedUs: number, udp = false): void {
    this.receivedTotal += 1;
    if (sentUs >= this.measureStartUs && sentUs < this.measureEndUs) {
      this.received += 1;
      if (udp) this.udpReceived += 1;
      this.latency.record(receivedUs - sentUs);
    }
  }

  error(code: string): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }
}

/** How a client tells its worker about progress. */
export interface ClientHooks {
  /** Logged in, joined (and UDP bound, if asked): ready for the workload. */
  ready(client: BenchClient): void;
  /** Gave up before being ready. */
  failed(client: BenchClient): void;
  /** The client's own message came back (mode 1): the saturate workload's acknowledgement. */
  echo(client: BenchClient): void;
}

const view: MessageView = { senderId: 0, sentUs: 0 };
const NEWLINE = 10;

export class BenchClient {
  id = -1;
  state: 'idle' | 'connecting' | 'ready' | 'failed' | 'closed' = 'idle';
  /** Relayed messages received, whenever sent. */
  received = 0;
  connectStartUs = 0;
  readyUs = 0;
  socket: net.Socket | undefined;
  websocket: WebSocket | undefined;
  socketio: SocketIoSocket | undefined;
  udp: dgram.Socket | undefined;
  #receivedUs = 0;
  /** Lines received since the login reply, and the count last acknowledged; -1: no resume. */
  #lines = -1;
  #acked = 0;
  #bindTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly username: string,
    readonly share: RoomShare,
    readonly meter: Meter,
    readonly hooks: ClientHooks,
    readonly useUdp: boolean,
    /** Cork the socket while a read is handled, so the sends it triggers leave in one write. */
    readonly corkReplies: boolean,
    /** Lines between acknowledgements (`6:<received>`, protocol §10), when resume is offered. */
    readonly ackEvery: number,
  ) {}

  connect(plan: Pick<WorkerPlan, 'host' | 'transport'>, node: BenchNode): void {
    this.state = 'connecting';
    this.connectStartUs = nowUs();
    if (plan.transport === 'ws') this.#connectWebSocket(node.wsUrl);
    else if (plan.transport === 'socketio') this.#connectSocketIo(plan.host, node.port);
    else this.#connectTcp(plan.host, node.port);
  }

  #connectTcp(host: string, port: number): void {
    const socket = net.connect({ host, port, noDelay: true });
    this.socket = socket;
    const decoder = new LineDecoder(1024 * 1024);
    const onLine = (line: Buffer): void => this.#onLine(line);
    socket.on('connect', () => socket.write(loginLine(this.username)));
    socket.on('data', (chunk: Buffer) => {
      this.#receivedUs = nowUs();
      if (this.corkReplies) socket.cork();
      if (!decoder.push(chunk, onLine)) this.meter.error('client:line_too_long');
      if (this.corkReplies) socket.uncork();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.meter.error(`socket:${error.code ?? 'error'}`);
    });
    socket.on('close', () => this.#closed());
  }

  /** One WebSocket message is one line; the server ends each with a newline, as over TCP. */
  #connectWebSocket(url: string): void {
    const websocket = new WebSocket(url, { perMessageDeflate: false });
    this.websocket = websocket;
    websocket.on('open', () => websocket.send(loginLine(this.username)));
    websocket.on('message', (data: Buffer) => {
      this.#receivedUs = nowUs();
      const end = data[data.length - 1] === NEWLINE ? data.length - 1 : data.length;
      this.#onLine(data.subarray(0, end));
    });
    websocket.on('error', (error: NodeJS.ErrnoException) => {
      this.meter.error(`websocket:${error.code ?? 'error'}`);
    });
    websocket.on('close', () => this.#closed());
  }

  /**
   * A Socket.IO client as its users write one (see bench/socketio-relay.ts): its own connection
   * (no multiplexing of the worker's clients on one), the websocket transport only, no
   * reconnection (a lost client is counted, not hidden). Login and join are acknowledged
   * events; each relayed message is one `message` event (sender id, payload).
   */
  #connectSocketIo(host: string, port: number): void {
    const socket = io(`http://${host}:${port}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    this.socketio = socket;
    socket.on('connect', () => {
      socket.emit('login', this.username, (id: number) => {
        this.id = id;
        socket.emit('join', this.share.room, () => {
          if (this.state === 'connecting') this.#ready();
        });
      });
    });
    socket.on('message', (senderId: number, payload: string) => {
      this.#delivered(senderId, payloadSentUs(payload), nowUs());
    });
    socket.on('connect_error', () => {
      this.meter.error('socketio:connect_error');
      this.#fail();
    });
    socket.on('disconnect', () => this.#closed());
  }

  #closed(): void {
    if (this.state === 'closed') return;
    this.meter.error('closed_by_server');
    this.#fail();
  }

  /** Measures one relayed message, or hands any other line to the project's codec. */
  #onLine(line: Buffer): void {
    if (this.#lines >= 0 && (this.#lines += 1) - this.#acked >= this.ackEvery) {
      this.#acked = this.#lines;
      this.send(`6:${this.#lines}\n`);
    }
    if (readMessage(line, view)) {
      this.#delivered(view.senderId, view.sentUs, this.#receivedUs);
      return;
    }
    this.#onEvent(parseServerLine(line.toString('utf8')));
  }

  #delivered(senderId: number, sentUs: number, receivedUs: number): void {
    this.received += 1;
    this.meter.onDelivered(sentUs, receivedUs);
    if (senderId === this.id) this.hooks.echo(this);
  }

  #onEvent(event: ServerEvent): void {
    switch (event.type) {
      case 'logged-in':
        if (this.id !== -1) return;
        this.id = event.clientId;
        if (this.ackEvery > 0 && event.resumeToken !== undefined) this.#lines = 0;
        this.send(joinLine(this.share.room));
        return;
      case 'joined':
        if (event.clientId !== this.id || event.room !== this.share.room) return;
        if (this.state !== 'connecting') return;
        if (this.useUdp) this.#bindUdp();
        else this.#ready();
        return;
      case 'udp-connected':
        if (event.clientId === this.id && this.state === 'connecting') this.#ready();
        return;
      case 'error':
        this.meter.error(event.code);
        return;
      default:
        return;
    }
  }

  #ready(): void {
    if (this.#bindTimer !== undefined) clearInterval(this.#bindTimer);
    this.state = 'ready';
    this.readyUs = nowUs();
    this.hooks.ready(this);
  }

  #fail(): void {
    if (this.state !== 'connecting' && this.state !== 'idle') return;
    this.state = 'failed';
    this.hooks.failed(this);
  }

  /** Binds a UDP socket to this client: `<id>:0:bench` every 100 ms until answered. */
  #bindUdp(): void {
    const socket = this.socket;
    if (socket === undefined) return;
    const udp = dgram.createSocket('udp4');
    this.udp = udp;
    udp.on('error', (error: NodeJS.ErrnoException) => this.meter.error(`udp:${error.code}`));
    udp.on('message', (data: Buffer) => {
      if (readMessage(data, view)) {
        this.received += 1;
        this.meter.onDelivered(view.sentUs, nowUs(), true);
        return;
      }
      this.#onEvent(parseServerLine(data.toString('utf8')));
    });
    udp.connect(socket.remotePort ?? 0, socket.remoteAddress ?? '127.0.0.1', () => {
      const bind = (): void => {
        if (this.state === 'connecting') udp.send(bindDatagram(this.id));
      };
      bind();
      this.#bindTimer = setInterval(bind, 100);
    });
  }

  /** Sends one line (already framed with its newline) over TCP or as one WebSocket message. */
  send(line: string): void {
    if (this.websocket !== undefined) this.websocket.send(line);
    else this.socket?.write(line);
  }

  /** Sends one workload message: a `3:<mode>:` line, or a Socket.IO `message` event. */
  relay(mode: number, payload: string): void {
    if (this.socketio !== undefined) this.socketio.emit('message', mode, payload);
    else this.send(messageLine(mode, payload));
  }

  sendDatagram(datagram: string): void {
    this.udp?.send(datagram);
  }

  close(): void {
    this.state = 'closed';
    if (this.#bindTimer !== undefined) clearInterval(this.#bindTimer);
    this.socket?.destroy();
    this.websocket?.terminate();
    this.socketio?.disconnect();
    this.udp?.close();
  }

  /** Stops the UDP bind retries of a client that never became ready. */
  abandon(): void {
    if (this.state === 'connecting' || this.state === 'idle') this.#fail();
    if (this.#bindTimer !== undefined) clearInterval(this.#bindTimer);
  }
}
