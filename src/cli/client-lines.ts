/** The friendly commands of `roomwire client`: one input line in, printed answers out. */
import type { MessageMode, RoomwireClient } from '../client/index.js';

/** The commands, as `help` and `--help` list them. */
export const COMMANDS_HELP = `Commands:
  login NAME [PASSWORD]   rooms [PASSWORD]   join ROOM [PASSWORD]   leave   who
  say TEXT                to the others in the room (mode 0)
  all TEXT                to everyone in the room, you included (mode 1)
  send MODE TEXT          any mode: 0 others, 1 all, 2 others ordered, 3 all ordered
  group NAME [ID...]      define a group (no ids deletes it)
  tell GROUP TEXT         to the clients of a group
  help   quit            (and --raw for protocol lines as they are)
`;

/** Prints one line of output (the caller adds the timestamp). */
export type Printer = (text: string) => void;

/** How a command went: `quit` ends the session. */
export type LineOutcome = 'ok' | 'failed' | 'quit';

/** Runs one command line against the client; refusals are printed, never thrown. */
export async function runClientLine(
  client: RoomwireClient,
  line: string,
  print: Printer,
): Promise<LineOutcome> {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return 'ok';
  const space = trimmed.indexOf(' ');
  const command = (space === -1 ? trimmed : trimmed.slice(0, space)).toLowerCase();
  const rest = space === -1 ? '' : trimmed.slice(space + 1).trim();
  const words = rest === '' ? [] : rest.split(/\s+/);
  try {
    return (await run(client, command, rest, words, print)) ?? 'ok';
  } catch (error) {
    print(`! ${codeAndReason(error)}`);
    return 'failed';
  }
}

/** `code: reason`, as the server's `9:<code>:<reason>` lines are shown. */
export function codeAndReason(error: unknown): string {
  const { code, message } = error as { code?: unknown; message: string };
  if (typeof code !== 'string' || message.startsWith(`${code}:`)) return message;
  return `${code}: ${message}`;
}

async function run(
  client: RoomwireClient,
  command: string,
  rest: string,
  words: readonly string[],
  print: Printer,
): Promise<LineOutcome | undefined> {
  const [first = '', second = ''] = words;
  switch (command) {
    case 'login':
      if (first === '') return usage(print, 'login NAME [PASSWORD]');
      print(`logged in as ${await client.login(first, second)}`);
      return;
    case 'rooms': {
      const rooms = await client.listRooms(first);
      const listed = rooms.map((room) => `${room.name} (${room.memberCount})`).join(', ');
      print(rooms.length === 0 ? 'no rooms' : `rooms: ${listed}`);
      return;
    }
    case 'join': {
      if (first === '') return usage(print, 'join ROOM [PASSWORD]');
      const room = await client.join(first, second);
      const masterId: number = room.masterId; // known once join() resolves
      print(`in ${room.name} with ${room.members.join(', ')}; master ${masterId}`);
      return;
    }
    case 'leave':
      await client.leave();
      return;
    case 'who': {
      const room = client.room;
      if (room === undefined) print(`you are ${client.clientId ?? 'not logged in'}, in no room`);
      else {
        const members = room.members.join(', ');
        print(
          `you are ${client.clientId}, in ${room.name} with ${members}; master ${room.masterId}`,
        );
      }
      return;
    }
    case 'say':
      client.send(0, rest);
      return;
    case 'all':
      client.send(1, rest);
      return;
    case 'send': {
      const mode = Number(first);
      if (words.length === 0 || !Number.isInteger(mode)) return usage(print, 'send MODE TEXT');
      client.send(mode as MessageMode, rest.slice(first.length).trimStart());
      return;
    }
    case 'group': {
      if (first === '') return usage(print, 'group NAME [ID...]');
      client.setGroup(first, words.slice(1).map(Number));
      return;
    }
    case 'tell':
      if (first === '') return usage(print, 'tell GROUP TEXT');
      client.sendGroup(first, rest.slice(first.length).trimStart());
      return;
    case 'help':
      print(COMMANDS_HELP.trimEnd());
      return;
    case 'quit':
    case 'exit':
      return 'quit';
    default:
      print(`! unknown_command: ${command}; type help`);
      return 'failed';
  }
}

function usage(print: Printer, text: string): LineOutcome {
  print(`! usage: ${text}`);
  return 'failed';
}
