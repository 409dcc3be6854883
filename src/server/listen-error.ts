/** A port the server could not take, said in one line that names the port, address and flag. */

/** Which listener failed. */
export type Listener = 'tcp' | 'udp' | 'http';

const FLAG: Record<Listener, string> = { tcp: '--port', udp: '--port', http: '--http-port' };

/** The server could not listen; the message is one line for the operator, no stack needed. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  readonly listener: Listener;
  readonly port: number;

  constructor(listener: Listener, host: string, port: number, cause: unknown) {
    super(describe(listener, host, port, cause), { cause });
    this.listener = listener;
    this.port = port;
  }
}

function describe(listener: Listener, host: string, port: number, cause: unknown): string {
  const what = `${listener.toUpperCase()} port ${port} on ${host}`;
  const flag = FLAG[listener];
  const change = `choose another with ${flag}${listener === 'http' ? '' : ' (TCP and UDP share it)'}`;
  switch ((cause as NodeJS.ErrnoException | undefined)?.code) {
    case 'EADDRINUSE':
      return `${what} is already in use (another roomwire?): ${change}`;
    case 'EACCES':
      return `${what}: permission denied (ports below 1024 need privileges): ${change}`;
    case 'EADDRNOTAVAIL':
      return `${what}: this machine has no address ${host}: change --host`;
    default:
      return `${what}: ${(cause as Error | undefined)?.message ?? String(cause)}: ${change}`;
  }
}
