import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addUser, UsersFileAuthenticator } from '../../src/auth/users-file.js';

/** Cheap scrypt for tests; the default stays N=16384. */
const FAST = { cost: 1024 } as const;

let dir = '';
let fileCount = 0;
const freshFile = (): string => join(dir, `users-${++fileCount}.json`);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomwire-users-file-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('UsersFileAuthenticator', () => {
  test('accepts the right password and refuses a wrong one and an unknown user', async () => {
    const file = freshFile();
    await addUser(file, 'alice', 'correct horse', FAST);
    const auth = await UsersFileAuthenticator.open(file);
    assert.equal(await auth.verify('alice', 'correct horse'), true);
    assert.equal(await auth.verify('alice', 'battery staple'), false);
    assert.equal(await auth.verify('alice', ''), false);
    assert.equal(await auth.verify('bob', 'correct horse'), false);
  });

  test('treats names inherited from Object.prototype as unknown users', async () => {
    const file = freshFile();
    await addUser(file, 'alice', 'secret', FAST);
    const auth = await UsersFileAuthenticator.open(file);
    assert.equal(await auth.verify('toString', 'secret'), false);
    assert.equal(await auth.verify('__proto__', 'secret'), false);
  });

  test('stores a user named __proto__ like any other name', async () => {
    const file = freshFile();
    await addUser(file, '__proto__', 'secret', FAST);
    await addUser(file, 'alice', 'other', FAST);
    const auth = await UsersFileAuthenticator.open(file);
    assert.equal(await auth.verify('__proto__', 'secret'), true);
    assert.equal(await auth.verify('alice', 'other'), true);
  });

  test('re-reads the file when a user is added after open', async () => {
    const file = freshFile();
    await addUser(file, 'alice', 'first', FAST);
    const auth = await UsersFileAuthenticator.open(file);
    assert.equal(await auth.verify('bob', 'second'), false);
    await addUser(file, 'bob', 'second', FAST);
    assert.equal(await auth.verify('bob', 'second'), true);
    assert.equal(await auth.verify('alice', 'first'), true);
  });

  test('keeps the last good users and reports lastError when a re-read fails', async () => {
    const file = freshFile();
    await addUser(file, 'alice', 'secret', FAST);
    const auth = await UsersFileAuthenticator.open(file);
    const lastError = (): Error | undefined => auth.lastError;
    assert.equal(lastError(), undefined);
    await writeFile(file, '{ not json');
    assert.equal(await auth.verify('alice', 'secret'), true);
    assert.ok(lastError()?.message.includes(file));
    assert.ok(lastError()?.cause instanceof SyntaxError);
    await rm(file); // addUser refuses to overwrite a file it cannot parse
    await addUser(file, 'bob', 'fixed', FAST);
    assert.equal(await auth.verify('bob', 'fixed'), true);
    assert.equal(lastError(), undefined);
  });

  test('reports lastError and keeps working when the file disappears', async () => {
    const file = freshFile();
    await addUser(file, 'alice', 'secret', FAST);
    const auth = await UsersFileAuthenticator.open(file);
    await rm(file);
    assert.equal(await auth.verify('alice', 'secret'), true);
    assert.equal((auth.lastError?.cause as NodeJS.ErrnoException).code, 'ENOENT');
  });

  test('rejects at open with an error naming the file when it is not JSON', async () => {
    const file = freshFile();
    await writeFile(file, '{ "version": 1, "users": ');
    await assert.rejects(UsersFileAuthenticator.open(file), (error: Error) => {
      assert.ok(error.message.includes(file), error.message);
      assert.ok(error.cause instanceof SyntaxError);
      return true;
    });
  });

  test('rejects at open when the file is missing or has the wrong shape', async () => {
    await assert.rejects(UsersFileAuthenticator.open(join(dir, 'missing.json')), /missing\.json/);
    const file = freshFile();
    await writeFile(file, JSON.stringify({ version: 2, users: {} }));
    await assert.rejects(UsersFileAuthenticator.open(file), /version/);
    const entry = { salt: 'AAAA', hash: 'AAAA', N: 1000, r: 8, p: 1, keyLength: 3 };
    await writeFile(file, JSON.stringify({ version: 1, users: { alice: entry } }));
    await assert.rejects(
      UsersFileAuthenticator.open(file),
      /users\.alice: N must be a power of two/,
    );
  });
});

describe('addUser', () => {
  test('creates the file with mode 0600 and stores no clear password', async () => {
    const file = freshFile();
    await addUser(file, 'alice', 'correct horse battery staple');
    const text = await readFile(file, 'utf8');
    assert.ok(!text.includes('correct horse'));
    const stored = (JSON.parse(text) as { users: Record<string, Record<string, unknown>> }).users;
    assert.deepEqual(Object.keys(stored), ['alice']);
    const { salt, hash, ...params } = stored['alice'] ?? {};
    assert.deepEqual(params, { N: 16384, r: 8, p: 1, keyLength: 64 });
    assert.equal(Buffer.from(String(salt), 'base64').length, 16);
    assert.equal(Buffer.from(String(hash), 'base64').length, 64);
    if (process.platform !== 'win32') assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  test('replaces the password when the same user is added again', async () => {
    const file = freshFile();
    await addUser(file, 'alice', 'old password', FAST);
    await addUser(file, 'bob', 'bobs password', FAST);
    await addUser(file, 'alice', 'new password', FAST);
    const auth = await UsersFileAuthenticator.open(file);
    assert.equal(await auth.verify('alice', 'old password'), false);
    assert.equal(await auth.verify('alice', 'new password'), true);
    assert.equal(await auth.verify('bob', 'bobs password'), true);
  });

  test('refuses to overwrite a users file it cannot parse', async () => {
    const file = freshFile();
    await writeFile(file, 'not json');
    await assert.rejects(addUser(file, 'alice', 'secret', FAST), /cannot load users file/);
    assert.equal(await readFile(file, 'utf8'), 'not json');
  });

  test('refuses bad usernames with a TypeError', async () => {
    const file = freshFile();
    for (const username of ['', 'x'.repeat(65), 'a:b', 'new\nline', 'tab\there', 'del\x7f']) {
      await assert.rejects(addUser(file, username, 'secret', FAST), TypeError, username);
    }
    await addUser(file, 'x'.repeat(64), 'secret', FAST);
    await addUser(file, 'Zoë the 2nd', 'secret', FAST);
  });

  test('refuses passwords the login line cannot carry', async () => {
    const file = freshFile();
    await assert.rejects(addUser(file, 'alice', '', FAST), /password must not be empty/);
    await assert.rejects(addUser(file, 'alice', 'a:b', FAST), TypeError);
    await assert.rejects(addUser(file, 'alice', 'a\rb', FAST), TypeError);
  });
});
