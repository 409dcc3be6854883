import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoreHarness } from '../helpers/core-harness.js';

const RESUME = { resumeTtlMs: 20_000 };

/** Three clients in `lobby` (ids 1, 2, 3 on connections 1, 2, 3), resume on. */
function lobby(limits = {}): CoreHarness {
  const core = new CoreHarness({ ...RESUME, ...limits });
  for (const connId of [1, 2, 3]) {
    core.client(connId);
    core.send(connId, '2:lobby');
  }
  core.tick(1000);
  core.reset();
  return core;
}

describe('relay: session resume (protocol §10)', () => {
  it('offers a token in the login reply only when resume is on', () => {
    const on = new CoreHarness(RESUME);
    on.client(1);
    assert.deepEqual(on.linesFor(1), ['0:1:token1']);
    const off = new CoreHarness();
    off.client(1);
    assert.deepEqual(off.linesFor(1), ['0:1']);
  });

  it('keeps a broken connection in its room, tells the room nothing, and replays every missed line', () => {
    const core = lobby();
    core.send(1, '3:1:before');
    const seenBefore = core.linesFor(2).length;
    core.cut(2);
    assert.deepEqual(core.linesFor(1), ['3:1:before'], 'the room is told nothing');
    core.send(1, '3:0:while away');
    core.send(3, '3:3:ordered');
    core.connect(9);
    // After its login reply client 2 had received the four lines of the joins, then one more.
    const received = 4 + seenBefore;
    core.send(9, `6:2:token2:${received}`);
    assert.deepEqual(core.linesFor(9), ['6:2:2', '3:1:while away', '3:3:ordered']);
    core.reset();
    core.send(1, '3:0:live');
    assert.deepEqual(core.linesFor(9), ['3:1:live'], 'the new connection is the member now');
    assert.deepEqual(core.relay.room('lobby')?.memberIds, [1, 2, 3]);
  });

  it('counts lines from the first after the login reply, and replays from any cut point', () => {
    const core = new CoreHarness(RESUME);
    core.client(1);
    core.client(2);
    core.send(1, '2:r');
    core.send(2, '2:r');
    for (let index = 0; index < 5; index += 1) core.send(1, `3:0:m${index}`);
    const sent = core.linesFor(2).slice(1);
    core.cut(2);
    for (let cut = 0; cut <= sent.length; cut += 1) {
      const connId = 100 + cut;
      core.connect(connId);
      core.send(connId, `6:2:token2:${cut}`);
      assert.deepEqual(core.linesFor(connId), [`6:2:${sent.length - cut}`, ...sent.slice(cut)]);
      // Taken over again by the next attempt: the previous one is closed as resumed.
    }
  });

  it('lets the master stay master across a resume', () => {
    const core = lobby();
    core.cut(1);
    core.connect(7);
    core.send(7, '6:1:token1:4');
    core.send(3, '2:-1');
    core.send(3, '2:lobby');
    assert.equal(core.relay.room('lobby')?.masterId, 1);
    assert.equal(core.linesFor(3).at(-1), '4:1');
  });

  it('takes over a connection the server still thinks open, closing it as resumed', () => {
    const core = lobby();
    core.connect(8);
    core.send(8, '6:3:token3:4');
    assert.equal(core.closed(3), 'session_resumed');
    assert.equal(
      core.linesFor(3).at(-1),
      '9:session_resumed:the session was resumed on another connection',
    );
    assert.deepEqual(core.linesFor(8), ['6:3:0']);
    core.disconnect(3);
    assert.deepEqual(
      core.relay.room('lobby')?.memberIds,
      [1, 2, 3],
      'the old close changes nothing',
    );
  });

  it('gives the ordinary leave and master hand-over when the time runs out', () => {
    const core = lobby();
    core.cut(1);
    core.tick(1000 + 19_999);
    assert.deepEqual(core.linesFor(2), []);
    core.tick(1000 + 20_000);
    assert.deepEqual(core.linesFor(2), ['2:1:', '4:2']);
    core.connect(9);
    core.send(9, '6:1:token1:4');
    assert.deepEqual(core.linesFor(9), [
      '9:resume_failed:no session to resume with this id and token; log in',
    ]);
  });

  it('ends an away session whose missed lines pass the buffer, at the next tick', () => {
    const core = lobby({ resumeBufferBytes: 64 });
    core.cut(2);
    for (let index = 0; index < 10; index += 1) core.send(1, '3:0:0123456789');
    core.tick(1250);
    assert.equal(core.linesFor(1).at(-1), '2:2:');
    assert.equal(core.relay.counts().awaySessions, 0);
  });

  it('refuses a wrong token exactly like an unknown id, and counts it as a failed login', () => {
    const core = lobby();
    core.cut(2);
    core.connect(9);
    core.send(9, '6:2:token3:0');
    core.send(9, '6:99:token2:0');
    assert.deepEqual(core.linesFor(9), [
      '9:resume_failed:no session to resume with this id and token; log in',
      '9:resume_failed:no session to resume with this id and token; log in',
    ]);
    core.send(9, '6:2:tokenX:0');
    assert.equal(core.closed(9), 'too_many_auth_failures');
    assert.equal(core.relay.client(2)?.away, true, 'the session still waits for its owner');
  });

  it('answers resume_gap when the missed lines are gone, and ends the old session', () => {
    const core = lobby({ resumeBufferBytes: 40 });
    for (let index = 0; index < 10; index += 1) core.send(1, '3:1:0123456789');
    core.cut(2);
    core.connect(9);
    core.send(9, '6:2:token2:0');
    assert.deepEqual(core.linesFor(9), [
      '9:resume_gap:the lines missed are no longer held; log in afresh',
    ]);
    assert.equal(core.linesFor(1).at(-1), '2:2:');
    assert.equal(core.login(9, 'again'), 4);
    assert.equal(core.linesFor(9).at(-1), '0:4:token4');
  });

  it('forgets acknowledged lines (6:<received>), still replays the rest, and refuses a count never sent', () => {
    const core = lobby();
    for (let index = 0; index < 5; index += 1) core.send(1, `3:0:m${index}`);
    // Client 2 received 4 join lines, then m0..m4: it says it has the first 7.
    core.send(2, '6:7');
    core.send(2, '6:3');
    assert.deepEqual(core.linesFor(2).slice(-2), ['3:1:m3', '3:1:m4'], 'an ack is not answered');
    core.send(2, '6:10');
    assert.equal(core.linesFor(2).at(-1), '9:malformed:only 9 lines were sent');
    core.cut(2);
    core.connect(8);
    core.send(8, '6:2:token2:6');
    assert.deepEqual(core.linesFor(8), [
      '9:resume_gap:the lines missed are no longer held; log in afresh',
    ]);
    const again = lobby();
    for (let index = 0; index < 5; index += 1) again.send(1, `3:0:m${index}`);
    again.send(2, '6:7');
    again.cut(2);
    again.connect(9);
    again.send(9, '6:2:token2:7');
    assert.deepEqual(again.linesFor(9), ['6:2:2', '3:1:m3', '3:1:m4']);
  });

  it('takes an acknowledgement without resume as a no-op, and refuses a malformed one', () => {
    const core = new CoreHarness();
    core.client(1);
    core.send(1, '6:12');
    assert.deepEqual(core.linesFor(1), ['0:1']);
    core.send(1, '6:x');
    assert.equal(
      core.linesFor(1).at(-1),
      '9:malformed:expected 6:<clientId>:<token>:<lines received>, or 6:<lines received>',
    );
  });

  it('refuses a resume on a logged-in connection, and needs a new UDP bind', () => {
    const core = lobby();
    core.datagram({ ip: '10.0.0.1', port: 7002 }, '0:2');
    core.send(1, '6:2:token2:0');
    assert.equal(
      core.linesFor(1).at(-1),
      '9:already_logged_in:this connection is already logged in',
    );
    core.cut(2);
    core.connect(9);
    core.send(9, '6:2:token2:4');
    assert.equal(core.relay.client(2)?.udpBound, false);
  });

  it('ends a broken session at once, as today, with resume off or past maxAwaySessions', () => {
    const off = new CoreHarness();
    off.client(1);
    off.client(2);
    off.send(1, '2:r');
    off.send(2, '2:r');
    off.reset();
    off.cut(2);
    assert.deepEqual(off.linesFor(1), ['2:2:']);
    const full = lobby({ maxAwaySessions: 1 });
    full.cut(2);
    full.cut(3);
    assert.deepEqual(full.linesFor(1), ['2:3:']);
    assert.equal(full.relay.counts().awaySessions, 1);
  });

  it('keeps group messages for an away member, and ends its session on a closed connection', () => {
    const core = lobby();
    core.send(1, '5:g:2');
    core.cut(2);
    core.send(1, '4:g:for two');
    core.connect(9);
    core.send(9, '6:2:token2:4');
    assert.deepEqual(core.linesFor(9), ['6:2:1', '3:1:for two']);
    core.disconnect(9);
    assert.equal(core.linesFor(1).at(-1), '2:2:');
  });

  it('does not count away sessions against maxConnections, so a full server still takes a resume', () => {
    const core = lobby({ maxConnections: 3 });
    core.cut(2);
    core.connect(9);
    core.send(9, '6:2:token2:4');
    assert.deepEqual(core.linesFor(9), ['6:2:0']);
    core.connect(10);
    assert.equal(core.closed(10), 'server_full');
  });
});
