import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Stats } from 'node:fs';
import type { Authenticator } from './authenticator.js';
import { DEFAULT_HASHING_LIMITS, HashingGate, type HashingLimits } from './hashing-gate.js';

/** scrypt parameters stored with each user, so they can be raised later without a reset. */
type ScryptParams = Readonly<Record<'N' | 'r' | 'p' | 'keyLength', number>>;
type UserEntry = ScryptParams & { readonly salt: Buffer; readonly hash: Buffer };
type LoadedFile = { readonly users: ReadonlyMap<string, UserEntry>; readonly stamp: string };

/** Options for {@link addUser}. */
export interface AddUserOptions {
  /** scrypt cost N, a power of two; lower it only in tests. Default 16384. */
  readonly cost?: number;
}

const DEFAULT_PARAMS: ScryptParams = { N: 16384, r: 8, p: 1, keyLength: 64 };
const SALT_BYTES = 16;
const MAX_USERNAME_LENGTH = 64;
/** Refuses params from the file that would make one verify allocate more than this. */
const SCRYPT_MAX_MEMORY = 256 * 1024 * 1024;
/** Salt for the scrypt run on unknown usernames, so a miss costs as much as a hit. */
const DUMMY_SALT = Buffer.from('roomwire-unknown-user-dummy-salt');
/** C0, DEL and C1 controls, written as a property so the regex holds no control characters. */
const CONTROL_CHARACTER = /\p{Cc}/u;

/** Verifies logins against a JSON file of scrypt hashes, re-read when it changes. */
export class UsersFileAuthenticator implements Authenticator {
  #users: ReadonlyMap<string, UserEntry>;
  /** mtime, inode and size: a rename can replace the file within one mtime tick. */
  #stamp: string;
  #lastError: Error | undefined;
  #refreshing: Promise<void> | undefined;
  readonly #gate: HashingGate;

  private constructor(
    readonly path: string,
    loaded: LoadedFile,
    limits: HashingLimits,
  ) {
    this.#users = loaded.users;
    this.#stamp = loaded.stamp;
    this.#gate = new HashingGate(limits);
  }

  /**
   * Reads the users file; rejects with an Error naming the file if it cannot be read or parsed.
   * `limits` bound the hashing work, per IP and in all (issue #15, item 11).
   */
  static async open(
    path: string,
    limits: HashingLimits = DEFAULT_HASHING_LIMITS,
  ): Promise<UsersFileAuthenticator> {
    return new UsersFileAuthenticator(path, await loadUsersFile(path), limits);
  }

  /** Logins refused without a hash because too many were waiting (per IP or in all). */
  get refusedBusy(): number {
    return this.#gate.refused;
  }

  /** Why the last re-read failed (the previous users stay in use), or undefined after a good one. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /**
   * Resolves true only for a known user whose password hashes to the stored hash. `'busy'`, at
   * once and without touching the file, when `remoteIp` (or everyone) has too many logins
   * waiting for a hash. A wrong password or an unknown user makes `remoteIp` a suspect, whose
   * logins wait behind other IPs' (src/auth/hashing-gate.ts).
   */
  async verify(username: string, password: string, remoteIp = ''): Promise<boolean | 'busy'> {
    const verdict = await this.#gate.run(remoteIp, async () => {
      await this.#refresh();
      const entry = this.#users.get(username);
      // Same work for an unknown user as for a known one, so response time does not reveal
      // which names exist.
      const params = entry ?? this.#users.values().next().value ?? DEFAULT_PARAMS;
      const key = await deriveKey(password, entry?.salt ?? DUMMY_SALT, params);
      return entry !== undefined && timingSafeEqual(key, entry.hash);
    });
    if (verdict === false) this.#gate.failed(remoteIp);
    return verdict ?? 'busy';
  }

  /** One reload at a time: concurrent verifies share it. */
  #refresh(): Promise<void> {
    this.#refreshing ??= this.#reloadIfChanged().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #reloadIfChanged(): Promise<void> {
    let stamp: string;
    try {
      stamp = stampOf(await stat(this.path));
    } catch (cause) {
      this.#lastError = fileError(this.path, cause);
      return;
    }
    if (stamp === this.#stamp) return;
    try {
      ({ users: this.#users, stamp: this.#stamp } = await loadUsersFile(this.path));
      this.#lastError = undefined;
    } catch (error) {
      // Remember the bad version so it is not re-parsed on every login, only once it changes.
      this.#stamp = stamp;
      this.#lastError = error as Error;
    }
  }
}

/** Returns why `username` cannot be stored, or undefined if it can. */
export function usernameProblem(username: string): string | undefined {
  if (username.length === 0 || username.length > MAX_USERNAME_LENGTH) {
    return `username must be 1 to ${MAX_USERNAME_LENGTH} characters long`;
  }
  // The wire protocol separates login fields with `:` (protocol section 2).
  if (username.includes(':')) return 'username must not contain ":"';
  if (CONTROL_CHARACTER.test(username)) return 'username must not contain control characters';
  return undefined;
}

/** Adds `username` to the users file (creating it, mode 0o600) or replaces its password. */
export async function addUser(
  path: string,
  username: string,
  password: string,
  options: AddUserOptions = {},
): Promise<'added' | 'replaced'> {
  const problem = usernameProblem(username);
  if (problem !== undefined) throw new TypeError(problem);
  if (password.length === 0) throw new TypeError('password must not be empty');
  // `0:username:password` splits on every `:` and lines end at control characters.
  if (password.includes(':') || CONTROL_CHARACTER.test(password)) {
    throw new TypeError('password must not contain ":" or control characters');
  }
  const params = { ...DEFAULT_PARAMS, N: options.cost ?? DEFAULT_PARAMS.N };
  const paramsProblem = scryptParamsProblem(params);
  if (paramsProblem !== undefined) throw new TypeError(`options.cost: ${paramsProblem}`);

  const users = await loadOrEmpty(path);
  const outcome = users.has(username) ? 'replaced' : 'added';
  const salt = randomBytes(SALT_BYTES);
  users.set(username, { ...params, salt, hash: await deriveKey(password, salt, params) });
  await writeAtomically(path, serialize(users));
  return outcome;
}

/** The usernames in a users file, sorted; none when the file does not exist. */
export async function listUsers(path: string): Promise<string[]> {
  return [...(await loadOrEmpty(path)).keys()].sort();
}

/** Removes a user from the file; resolves to false when there was no such user. */
export async function removeUser(path: string, username: string): Promise<boolean> {
  const users = await loadOrEmpty(path);
  if (!users.delete(username)) return false;
  await writeAtomically(path, serialize(users));
  return true;
}

async function loadOrEmpty(path: string): Promise<Map<string, UserEntry>> {
  try {
    return new Map((await loadUsersFile(path)).users);
  } catch (error) {
    if ((error as { cause?: NodeJS.ErrnoException }).cause?.code !== 'ENOENT') throw error;
    return new Map();
  }
}

async function loadUsersFile(path: string): Promise<LoadedFile> {
  try {
    const handle = await open(path, 'r');
    try {
      const stamp = stampOf(await handle.stat());
      return { stamp, users: parseUsersFile(await handle.readFile('utf8')) };
    } finally {
      await handle.close();
    }
  } catch (cause) {
    throw fileError(path, cause);
  }
}

/** Parses and checks the whole file; a Map keeps names like `__proto__` harmless. */
function parseUsersFile(text: string): Map<string, UserEntry> {
  const root: unknown = JSON.parse(text);
  if (!isObject(root) || root['version'] !== 1) throw new Error('expected {"version": 1, ...}');
  const users = root['users'];
  if (!isObject(users)) throw new Error('"users" must be an object');
  const result = new Map<string, UserEntry>();
  for (const [username, value] of Object.entries(users)) {
    if (!isObject(value)) throw new Error(`users.${username} must be an object`);
    const { salt, hash, N, r, p, keyLength } = value;
    if (typeof salt !== 'string' || typeof hash !== 'string') {
      throw new Error(`users.${username}: salt and hash must be base64 strings`);
    }
    const params = { N, r, p, keyLength } as ScryptParams;
    const problem = scryptParamsProblem(params);
    if (problem !== undefined) throw new Error(`users.${username}: ${problem}`);
    const decoded = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
    if (decoded.hash.length !== keyLength) throw new Error(`users.${username}: hash length`);
    result.set(username, { ...params, ...decoded });
  }
  return result;
}

function scryptParamsProblem({ N, r, p, keyLength }: ScryptParams): string | undefined {
  if (!Number.isInteger(N) || N < 2 || (N & (N - 1)) !== 0) return 'N must be a power of two';
  if (![r, p, keyLength].every((n) => Number.isInteger(n) && n >= 1 && n <= 1024)) {
    return 'r, p and keyLength must be integers from 1 to 1024';
  }
  // OpenSSL's memory formula; past `maxmem` Node would refuse the call at verify time.
  return 128 * r * (N + p + 2) > SCRYPT_MAX_MEMORY ? 'N * r is too large' : undefined;
}

function deriveKey(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const { N, r, p, keyLength } = params;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, { N, r, p, maxmem: SCRYPT_MAX_MEMORY }, (error, key) =>
      error === null ? resolve(key) : reject(error),
    );
  });
}

function serialize(users: ReadonlyMap<string, UserEntry>): string {
  const entries = [...users].map(([username, { salt, hash, ...params }]) => [
    username,
    { salt: salt.toString('base64'), hash: hash.toString('base64'), ...params },
  ]);
  return `${JSON.stringify({ version: 1, users: Object.fromEntries(entries) }, null, 2)}\n`;
}

/** Writes a temp file next to `path`, then renames it over, so readers never see half a file. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (cause) {
    await unlink(temp).catch(() => undefined);
    throw new Error(`cannot write users file ${path}: ${(cause as Error).message}`, { cause });
  }
}

function fileError(path: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new Error(`cannot load users file ${path}: ${reason}`, { cause });
}

function stampOf({ mtimeMs, ino, size }: Stats): string {
  return `${mtimeMs}:${ino}:${size}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
