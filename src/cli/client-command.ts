/** `roomwire client ...`: a client for people and scripts; main.ts hands over the arguments. */
import { createInterface, type Interface } from 'node:readline';
import { connect, type RoomwireClient } from '../client/index.js';
import { tcpTransport } from '../client/tcp-transport.js';
import { codeAndReason, COMMANDS_HELP, runClientLine, type Printer } from './client-lines.js';
import { parseCommandLine } from './parse-command-line.js';

/** The streams the command talks through. */
export interface ClientCommandIo {
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** The clock for timestamps; the real one by default. */
  readonly now?: () => Date;
}

export const CLIENT_USAGE = `Usage: roomwire client [--host HOST] [--port PORT] [options]

Connects to a Roomwire server over TCP. On a terminal it shows a prompt; otherwise it runs
the commands read from standard input, one per line, printing what arrives as it arrives.

Options:
  --host HOST      server address (default 127.0.0.1)
  --port PORT      TCP port (default 5000)
  --name NAME      log in as NAME at start (with --password)
  --password PW    the login password (default empty)
  --room ROOM      join ROOM at start (needs --name)
  --raw            protocol lines as they are, both ways (no friendly commands)
  --wait MS        without a terminal: how long to keep listening after the input ends
                   (default 500)
  -h, --help       show this help

${COMMANDS_HELP}`;

/** Runs `roomwire client ARGS`; resolves to the exit code. */
export async function runClientCommand(args: string[], io: ClientCommandIo): Promise<number> {
  let values;
  try {
    ({ values } = parseCommandLine('roomwire client', args, {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '5000' },
      name: { type: 'string' },
      password: { type: 'string', default: '' },
      room: { type: 'string' },
      raw: { type: 'boolean', default: false },
      wait: { type: 'string', default: '500' },
      help: { type: 'boolean', short: 'h' },
    }));
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  if (values.help === true) {
    io.stdout.write(CLIENT_USAGE);
    return 0;
  }
  const port = Number(values.port);
  const waitMs = Number(values.wait);
  if (!Number.isInteger(port) || port < 1 || port > 65_535 || !(waitMs >= 0)) {
    io.stderr.write(
      'roomwire client: --port takes 1 to 65535, --wait a number of ms; see --help\n',
    );
    return 2;
  }
  if (values.room !== undefined && values.name === undefined) {
    io.stderr.write('roomwire client: --room needs --name\n');
    return 2;
  }
  const interactive = io.stdin.isTTY === true;
  const reader = createInterface({
    input: io.stdin,
    output: interactive ? io.stdout : undefined,
    terminal: interactive,
  });
  // Ctrl-C ends the session like Ctrl-D (readline's default would only pause the input).
  reader.on('SIGINT', () => reader.close());
  // A prompt after the session ended would resume the input, and the process would stay.
  let ended = false;
  reader.once('close', () => (ended = true));
  const prompt = (refresh = false): void => {
    if (interactive && !ended) reader.prompt(refresh);
  };
  // Taken now, so that lines arriving while connecting are kept, not lost.
  const lines = reader[Symbol.asyncIterator]();
  const print = printer(io, prompt, interactive);
  const target = { host: values.host, port };
  try {
    if (values.raw)
      return await runRaw(target, { lines, reader, print, prompt, waitMs, interactive });
    // At a terminal a lost connection is won back, by a resume when the server keeps it.
    const client = await connect({ ...target, reconnect: interactive });
    const setup: string[] = [];
    if (values.name !== undefined) setup.push(`login ${values.name} ${values.password}`);
    if (values.room !== undefined) setup.push(`join ${values.room}`);
    const session = { lines, reader, print, prompt, waitMs, interactive };
    return await runFriendly(client, setup, session);
  } catch (error) {
    io.stderr.write(`roomwire client: ${(error as Error).message}\n`);
    return 1;
  } finally {
    reader.close();
  }
}

type Target = { readonly host: string; readonly port: number };

/** Where a session's input comes from and its output goes. */
interface Session {
  readonly lines: AsyncIterator<string>;
  readonly reader: Interface;
  readonly print: Printer;
  /** Shows the prompt again, on a terminal whose session has not ended. */
  readonly prompt: () => void;
  readonly waitMs: number;
  readonly interactive: boolean;
}

async function runFriendly(
  client: RoomwireClient,
  setup: readonly string[],
  session: Session,
): Promise<number> {
  const { lines, reader, print, prompt, interactive } = session;
  let failed = false;
  let closed = false;
  let leaving = false;
  client.on('close', (event) => {
    const why = event.error === undefined ? '' : `: ${event.error.message}`;
    if (event.reconnecting) return print(`* connection lost${why}; reconnecting`);
    closed = true;
    // Only news when the server closed it, not when the user left.
    if (!leaving) print(`* connection closed${why}`);
    reader.close();
  });
  client.on('reconnected', ({ clientId, room, resumed, replayed }) => {
    const where = room === undefined ? '' : ` in ${room}`;
    print(
      resumed
        ? `* back as ${clientId}${where}: session resumed, ${replayed} missed lines replayed`
        : `* back as ${clientId}${where}: a new session (the old one was gone)`,
    );
  });
  const run = async (line: string): Promise<boolean> => {
    const outcome = await runClientLine(client, line, print);
    if (outcome === 'failed') failed = true;
    return outcome !== 'quit' && !closed;
  };
  watchEvents(client, print);
  for (const line of setup) if (!(await run(line))) return closed ? 1 : 0;
  if (interactive) {
    print('connected; type help for the commands');
    prompt();
  }
  for (let next = await lines.next(); next.done !== true; next = await lines.next()) {
    if (!(await run(next.value))) break;
    prompt();
  }
  if (!interactive && !closed) await new Promise((resolve) => setTimeout(resolve, session.waitMs));
  leaving = true;
  if (!closed) await client.close();
  else if (!interactive) failed = true;
  return failed ? 1 : 0;
}

function watchEvents(client: RoomwireClient, print: Printer): void {
  client.on('message', (event) =>
    print(`[${event.senderId}] ${event.payload}${event.unreliable ? ' (udp)' : ''}`),
  );
  client.on('joined', (event) => {
    // Your own join and those already there are shown by the join command's answer.
    if (!event.self && !event.existing) print(`* ${event.clientId} joined ${event.room}`);
  });
  // The master named by a join's answer is printed with it; a change later gets its own line.
  let shown: { room: string; masterId: number } | undefined;
  client.on('left', (event) => {
    if (event.self) shown = undefined;
    print(`* ${event.self ? 'you' : event.clientId} left ${event.room}`);
  });
  client.on('master', ({ room, masterId }) => {
    if (shown?.room === room && shown.masterId !== masterId) {
      print(`* master of ${room} is ${masterId}`);
    }
    shown = { room, masterId };
  });
  client.on('error', (error) => print(`! ${codeAndReason(error)}`));
}

async function runRaw(target: Target, session: Session): Promise<number> {
  const { lines, reader, print, prompt, waitMs, interactive } = session;
  const transport = tcpTransport(target)();
  let closed = false;
  let whenClosed: () => void = () => {};
  const done = new Promise<void>((resolve) => (whenClosed = resolve));
  await transport.open({
    line: (line) => print(`< ${line}`),
    closed: (error) => {
      closed = true;
      print(`* connection closed${error === undefined ? '' : `: ${error.message}`}`);
      reader.close();
      whenClosed();
    },
  });
  if (interactive) {
    print('connected; lines go to the server as they are');
    prompt();
  }
  for (let next = await lines.next(); next.done !== true; next = await lines.next()) {
    transport.send(next.value);
    prompt();
  }
  if (closed) return interactive ? 0 : 1;
  if (!interactive) await new Promise((resolve) => setTimeout(resolve, waitMs));
  transport.close();
  await done;
  return 0;
}

/** Prints one line with a timestamp; on a terminal, above the prompt and what is typed. */
function printer(
  io: ClientCommandIo,
  prompt: (refresh: boolean) => void,
  interactive: boolean,
): Printer {
  const now = io.now ?? (() => new Date());
  return (text) => {
    const line = `${timestamp(now())} ${text}\n`;
    if (!interactive) {
      io.stdout.write(line);
      return;
    }
    io.stdout.write(`\r\x1b[K${line}`);
    prompt(true);
  };
}

/** `12:03:04.123`, local time. */
export function timestamp(date: Date): string {
  const two = (value: number): string => String(value).padStart(2, '0');
  const millis = String(date.getMilliseconds()).padStart(3, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${millis}`;
}
