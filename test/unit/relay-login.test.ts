import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoreHarness } from '../helpers/core-harness.js';

const NOT_LOGGED_IN = '9:not_logged_in:log in first with 0:username:password';

describe('relay: login', () => {
  it('asks the authenticator, then answers 0:<id> once the login is accepted', () => {
    const core = new CoreHarness();
    core.connect(1);
    core.send(1, '0:alice:secret');
    assert.deepEqual(
      core.effects.filter((effect) => effect.type === 'authenticate'),
      [{ type: 'authenticate', connId: 1, username: 'alice', password: 'secret' }],
    );
    assert.deepEqual(core.linesFor(1), []);
    core.answerAuth(1, true);
    assert.deepEqual(core.linesFor(1), ['0:1']);
    assert.deepEqual(
      core.events().filter((event) => event.kind === 'login'),
      [{ kind: 'login', connId: 1, clientId: 1, username: 'alice' }],
    );
  });

  it('accepts an empty username and password (0::)', () => {
    const core = new CoreHarness();
    core.connect(1);
    core.send(1, '0::');
    core.answerAuth(1, true);
    assert.deepEqual(core.linesFor(1), ['0:1']);
  });

  it('hands out client ids from the generator, one per accepted login', () => {
    const core = new CoreHarness();
    assert.equal(core.client(10), 1);
    assert.equal(core.client(20), 2);
    assert.deepEqual(core.linesFor(20), ['0:2']);
  });

  it('never reuses a client id after a disconnect', () => {
    const core = new CoreHarness();
    core.client(1);
    core.client(2);
    core.disconnect(1);
    core.disconnect(2);
    assert.equal(core.client(1), 3);
    assert.equal(core.client(3), 4);
  });

  for (const line of ['1', '1:pw', '2:room', '2:-1', '3:0:x', '3:1:x', '4:g:x', '5:g:1']) {
    it(`refuses ${line} before login with not_logged_in and keeps the connection`, () => {
      const core = new CoreHarness();
      core.connect(1);
      core.send(1, line);
      assert.deepEqual(core.linesFor(1), [NOT_LOGGED_IN]);
      assert.equal(core.closed(1), undefined);
      assert.equal(core.login(1, 'a'), 1);
    });
  }

  it('refuses a second login on the same connection', () => {
    const core = new CoreHarness();
    core.client(1);
    core.send(1, '0:again:pw');
    assert.equal(core.awaitingAuth(1), false);
    assert.deepEqual(core.linesFor(1), [
      '0:1',
      '9:already_logged_in:this connection is already logged in',
    ]);
    core.send(1, '1');
    assert.deepEqual(core.linesFor(1).at(-1), '1:');
  });

  it('refuses a malformed login and keeps the connection usable', () => {
    const core = new CoreHarness();
    core.connect(1);
    core.send(1, '0:user');
    assert.deepEqual(core.linesFor(1), ['9:malformed:expected 0:<username>:<password>']);
    assert.equal(core.login(1, 'user'), 1);
  });

  it('refuses a username with control characters or over the limit with bad_username', () => {
    const core = new CoreHarness({ maxUsernameLength: 5 });
    core.connect(1);
    core.send(1, '0:a\tb:pw');
    core.send(1, '0:abcdef:pw');
    assert.deepEqual(core.linesFor(1), [
      '9:bad_username:invalid username',
      '9:bad_username:invalid username',
    ]);
    assert.equal(core.awaitingAuth(1), false);
    core.send(1, '0:abcde:pw');
    assert.equal(core.awaitingAuth(1), true);
  });

  it('answers every wrong password with auth_failed, and closes with too_many_auth_failures after the third', () => {
    const core = new CoreHarness({ maxAuthFailures: 3 });
    core.connect(1);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      core.send(1, '0:alice:wrong');
      core.answerAuth(1, false);
    }
    assert.deepEqual(core.linesFor(1), [
      '9:auth_failed:wrong username or password',
      '9:auth_failed:wrong username or password',
      '9:auth_failed:wrong username or password',
      '9:too_many_auth_failures:too many failed logins',
    ]);
    assert.equal(core.closed(1), 'too_many_auth_failures');
    assert.deepEqual(core.relay.sessions(), []);
    core.send(1, '0:alice:right');
    assert.equal(core.awaitingAuth(1), false, 'a closed connection is forgotten');
  });

  it('answers a login the authenticator was too busy to check with auth_busy, not a failure', () => {
    const core = new CoreHarness({ maxAuthFailures: 2 });
    core.connect(1);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      core.send(1, '0:alice:guess');
      core.answerAuth(1, 'busy');
    }
    core.send(1, '0:alice:wrong');
    core.answerAuth(1, false);
    assert.equal(core.closed(1), undefined, 'three busy answers and one failure: still open');
    assert.equal(core.login(1, 'alice', 'right'), 1);
    const busy = '9:auth_busy:too many logins are being checked; try again shortly';
    assert.deepEqual(core.linesFor(1), [
      busy,
      busy,
      busy,
      '9:auth_failed:wrong username or password',
      '0:1',
    ]);
  });

  it('lets a client log in after a failed attempt', () => {
    const core = new CoreHarness();
    core.connect(1);
    core.send(1, '0:alice:wrong');
    core.answerAuth(1, false);
    assert.equal(core.login(1, 'alice', 'right'), 1);
    assert.deepEqual(core.linesFor(1), ['9:auth_failed:wrong username or password', '0:1']);
  });

  it('replays the lines pipelined behind a login after it, in order', () => {
    const core = new CoreHarness();
    core.connect(1);
    core.send(1, '0:alice:pw');
    for (const line of ['2:room', '3:1:hi:there', '1', '', '0:again:pw']) core.send(1, line);
    assert.deepEqual(core.linesFor(1), []);
    core.answerAuth(1, true);
    assert.deepEqual(core.linesFor(1), [
      '0:1',
      '2:1:room',
      '4:1',
      '3:1:hi:there',
      '1:room-1',
      '9:already_logged_in:this connection is already logged in',
    ]);
  });

  it('refuses the lines pipelined behind a failed login with not_logged_in', () => {
    const core = new CoreHarness();
    core.connect(1);
    core.send(1, '0:alice:wrong');
    core.send(1, '2:room');
    core.answerAuth(1, false);
    assert.deepEqual(core.linesFor(1), ['9:auth_failed:wrong username or password', NOT_LOGGED_IN]);
  });

  it('checks a login pipelined behind a failed one', () => {
    const core = new CoreHarness();
    core.connect(1);
    core.send(1, '0:alice:wrong');
    core.send(1, '0:alice:right');
    core.send(1, '2:room');
    core.answerAuth(1, false);
    assert.equal(core.awaitingAuth(1), true);
    core.answerAuth(1, true);
    assert.deepEqual(core.linesFor(1), [
      '9:auth_failed:wrong username or password',
      '0:1',
      '2:1:room',
      '4:1',
    ]);
  });

  it('refuses a line beyond the pending count limit and keeps the connection', () => {
    const core = new CoreHarness({ maxPendingCommands: 2 });
    core.connect(1);
    core.send(1, '0:alice:pw');
    core.send(1, '3:1:a');
    core.send(1, '2:room');
    core.send(1, '1');
    assert.deepEqual(core.linesFor(1), [
      '9:too_many_pending:too many commands sent while the login is checked',
    ]);
    assert.equal(core.closed(1), undefined);
    core.answerAuth(1, true);
    assert.deepEqual(core.linesFor(1).slice(1), [
      '0:1',
      '9:not_in_room:join a room first',
      '2:1:room',
      '4:1',
    ]);
  });

  it('refuses a line beyond the pending byte limit', () => {
    const core = new CoreHarness({ maxPendingBytes: 10 });
    core.connect(1);
    core.send(1, '0:alice:pw');
    core.send(1, '2:abcdefgh');
    core.send(1, '2:x');
    assert.deepEqual(core.linesFor(1), [
      '9:too_many_pending:too many commands sent while the login is checked',
    ]);
    core.answerAuth(1, true);
    assert.deepEqual(core.linesFor(1).slice(1), ['0:1', '2:1:abcdefgh', '4:1']);
  });

  it('ignores an answer to a login whose connection is gone', () => {
    const core = new CoreHarness();
    core.connect(1);
    core.send(1, '0:alice:pw');
    core.disconnect(1);
    core.relay.handle({ type: 'auth-result', connId: 1, accepted: true });
    assert.deepEqual(core.linesFor(1), []);
    assert.deepEqual(core.relay.sessions(), []);
    assert.equal(core.client(2), 1, 'no id was spent on the vanished login');
  });

  it('ignores empty lines', () => {
    const core = new CoreHarness();
    core.connect(1);
    core.send(1, '');
    core.client(2);
    core.send(2, '');
    assert.deepEqual(core.linesFor(1), []);
    assert.deepEqual(core.linesFor(2), ['0:1']);
  });

  it('answers parse errors with their code and keeps the connection', () => {
    const core = new CoreHarness();
    core.client(1);
    core.send(1, 'hello');
    core.send(1, '7:x');
    core.send(1, Buffer.from([0x31, 0x3a, 0xff]));
    core.send(1, '3:4:x');
    assert.deepEqual(
      core
        .linesFor(1)
        .slice(1)
        .map((line) => line.split(':')[1]),
      ['malformed', 'unknown_command', 'invalid_utf8', 'malformed'],
    );
    assert.equal(core.closed(1), undefined);
  });
});

describe('relay: connections', () => {
  it('refuses the connection past maxConnections with server_full and closes it', () => {
    const core = new CoreHarness({ maxConnections: 2 });
    core.client(1);
    core.client(2);
    core.connect(3);
    assert.deepEqual(core.linesFor(3), ['9:server_full:the server has too many connections']);
    assert.equal(core.closed(3), 'server_full');
    assert.deepEqual(
      core.relay.sessions().map((session) => session.connId),
      [1, 2],
    );
    core.send(3, '0:a:b');
    assert.equal(core.awaitingAuth(3), false);
  });

  it('accepts a new connection once one has gone', () => {
    const core = new CoreHarness({ maxConnections: 1 });
    core.client(1);
    core.disconnect(1);
    core.connect(2);
    assert.equal(core.closed(2), undefined);
    assert.equal(core.login(2, 'b'), 2);
  });

  it('forgets a disconnected connection and writes nothing to it', () => {
    const core = new CoreHarness();
    core.client(1);
    core.reset();
    core.disconnect(1);
    core.disconnect(1);
    assert.deepEqual(core.linesFor(1), []);
    assert.equal(core.closed(1), undefined, 'the server closed it already');
    assert.deepEqual(core.relay.counts(), {
      connections: 0,
      clients: 0,
      rooms: 0,
      awaySessions: 0,
      awayBytes: 0,
    });
  });

  it('closes a connection on the server’s behalf with the given code', () => {
    const core = new CoreHarness();
    core.client(1);
    core.client(2);
    core.send(1, '2:room');
    core.send(2, '2:room');
    core.reset();
    core.relay.handle({ type: 'violation', connId: 1, code: 'shutting_down' });
    assert.deepEqual(core.linesFor(1), ['9:shutting_down:the server is shutting down']);
    assert.equal(core.closed(1), 'shutting_down');
    assert.deepEqual(core.linesFor(2), ['2:1:', '4:2']);
  });

  it('throws on a connection id the server already used, a programmer error', () => {
    const core = new CoreHarness();
    core.connect(1);
    assert.throws(() => core.connect(1));
  });
});
