import { randomBytes } from 'node:crypto';
import net from 'node:net';

/** WebSocket opcodes used by the attack tests. */
export const OPCODE = { continuation: 0, text: 1, binary: 2 } as const;

/**
 * One client-to-server frame, masked as RFC 6455 requires. `payloadLength` may announce more
 * than `payload` holds, for a frame that is never finished.
 */
export function clientFrame(
  opcode: number,
  payload: Buffer,
  options: { fin?: boolean; payloadLength?: number } = {},
): Buffer {
  const length = options.payloadLength ?? payload.length;
  const first = ((options.fin ?? true) ? 0x80 : 0) | opcode;
  let header: Buffer;
  if (length < 126) header = Buffer.from([first, 0x80 | length]);
  else if (length < 65_536) {
    header = Buffer.from([first, 0x80 | 126, length >> 8, length & 0xff]);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, index) => byte ^ (mask[index % 4] as number)));
  return Buffer.concat([header, mask, masked]);
}

/**
 * A WebSocket client written by hand over a TCP socket, so that a test can send frames no
 * library would (unfinished, fragmented, trickled). It keeps the server's bytes as they came.
 */
export class RawWebSocket {
  /** Everything the server sent after the handshake, as latin1 text: its lines are readable. */
  received = '';
  closed = false;
  readonly #closedWaiters: (() => void)[] = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => (this.received += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      for (const wake of this.#closedWaiters.splice(0)) wake();
    });
  }

  /** Connects to `/ws` on 127.0.0.1 and completes the upgrade. */
  static connect(httpPort: number): Promise<RawWebSocket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port: httpPort, host: '127.0.0.1' });
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.once('connect', () => {
        const key = randomBytes(16).toString('base64');
        socket.write(
          `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${httpPort}\r\nUpgrade: websocket\r\n` +
            `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      let head = '';
      const onData = (chunk: Buffer): void => {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        socket.off('data', onData);
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head.split('\r\n')[0]));
        const client = new RawWebSocket(socket);
        client.received = head.slice(end + 4);
        resolve(client);
      };
      socket.on('data', onData);
    });
  }

  /** Sends one whole text message. */
  sendText(text: string): void {
    this.socket.write(clientFrame(OPCODE.text, Buffer.from(text)));
  }

  /** Writes raw bytes, resolving once they were handed to the kernel. */
  write(data: Buffer): Promise<void> {
    return new Promise((resolve) => this.socket.write(data, () => resolve()));
  }

  /** Resolves when the server closed the connection, or after `timeoutMs`. */
  waitClosed(timeoutMs: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#closedWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
