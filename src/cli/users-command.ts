/** `roomwire users ...`: manages the users file; main.ts hands over the arguments after `users`. */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { addUser, listUsers, removeUser, usernameProblem } from '../auth/users-file.js';
import { parseCommandLine } from './parse-command-line.js';

/** The streams the command talks through; `env` defaults to `process.env`. */
export interface UsersCommandIo {
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const DEFAULT_USERS_FILE = 'roomwire-users.json';

const USAGE = `Usage: roomwire users add NAME [--users-file FILE]
       roomwire users list [--users-file FILE]
       roomwire users remove NAME [--users-file FILE]

add     adds NAME to the users file, or replaces its password. The password is read from
        standard input: asked twice without echo on a terminal, else the first line.
list    prints the usernames in the file, one a line.
remove  removes NAME from the file.

Options:
  --users-file FILE  users file (default: $ROOMWIRE_USERS_FILE, else ${DEFAULT_USERS_FILE})
  -h, --help         show this help
`;

/** Runs `roomwire users ARGS` and resolves to the process exit code. */
export async function runUsersCommand(args: string[], io: UsersCommandIo): Promise<number> {
  const fail = (message: string, code = 1): number => {
    io.stderr.write(`roomwire users: ${message}\n`);
    return code;
  };
  let parsed;
  try {
    parsed = parseCommandLine(
      'roomwire users',
      args,
      { 'users-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      true,
    );
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout.write(USAGE);
    return 0;
  }
  const [subcommand, username, ...extra] = positionals;
  if (subcommand !== 'add' && subcommand !== 'list' && subcommand !== 'remove') {
    const what = subcommand === undefined ? 'missing command' : `unknown command "${subcommand}"`;
    return fail(`${what} (add, list or remove)\n\n${USAGE}`, 2);
  }
  const env = io.env ?? process.env;
  const usersFile = values['users-file'] ?? (env['ROOMWIRE_USERS_FILE'] || DEFAULT_USERS_FILE);
  if (usersFile === '') return fail('--users-file must not be empty', 2);
  if (subcommand === 'list') {
    if (username !== undefined) return fail(`"list" takes no NAME\n\n${USAGE}`, 2);
    try {
      for (const name of await listUsers(usersFile)) io.stdout.write(`${name}\n`);
    } catch (error) {
      return fail((error as Error).message);
    }
    return 0;
  }
  if (username === undefined || extra.length > 0) {
    return fail(`expected exactly one NAME after "${subcommand}"\n\n${USAGE}`, 2);
  }
  // Checked before asking, so nobody types a password for a name that will be refused.
  const problem = usernameProblem(username);
  if (problem !== undefined) return fail(problem);
  try {
    if (subcommand === 'remove') {
      if (!(await removeUser(usersFile, username))) {
        return fail(`no user ${username} in ${usersFile}`);
      }
      io.stdout.write(`removed user ${username} from ${usersFile}\n`);
      return 0;
    }
    const password =
      io.stdin.isTTY === true ? await askPasswordTwice(io) : await readFirstLine(io.stdin);
    const outcome = await addUser(usersFile, username, password);
    io.stdout.write(
      outcome === 'added'
        ? `added user ${username} to ${usersFile}\n`
        : `replaced the password of user ${username} in ${usersFile}\n`,
    );
    return 0;
  } catch (error) {
    return fail((error as Error).message);
  }
}

async function askPasswordTwice(io: UsersCommandIo): Promise<string> {
  const password = await askHidden(io, 'Password: ');
  if (password === '') throw new Error('password must not be empty');
  if ((await askHidden(io, 'Password again: ')) !== password) {
    throw new Error('passwords do not match');
  }
  return password;
}

/** Asks on stderr (stdout stays for results) and reads one line without echoing it. */
function askHidden(io: UsersCommandIo, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Readline echoes typed keys to its output, so it gets one that drops everything.
    const silent = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    const reader = createInterface({ input: io.stdin, output: silent, terminal: true });
    let answered = false;
    reader.on('SIGINT', () => reader.close());
    reader.on('close', () => {
      io.stderr.write('\n'); // the swallowed Enter key did not end the prompt's line
      if (!answered) reject(new Error('cancelled: no password given'));
    });
    reader.question('', (answer) => {
      answered = true;
      resolve(answer);
      reader.close();
    });
    // Written once the question waits, so an answer arriving at once is not lost.
    io.stderr.write(prompt);
  });
}

/** Reads all of a piped stdin and returns its first line without the line ending. */
async function readFirstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk));
  const firstLine = Buffer.concat(chunks).toString('utf8').split('\n', 1)[0] ?? '';
  const password = firstLine.endsWith('\r') ? firstLine.slice(0, -1) : firstLine;
  if (password === '') throw new Error('no password on standard input');
  return password;
}
