import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterRequest, RoomEvent, SessionState } from '../../src/core/cluster-types.js';
import { CoreHarness } from '../helpers/core-harness.js';

const TICKET = 'node-b.1';

/**
 * Two cluster nodes' cores, A and B, with the backplane played by hand: every room event goes to
 * both, in one order, as a room channel would deliver it. On A: the resumer (client 1, token
 * `token1`) and a member (client 2); on B: a member (client 100), all in room `r`.
 */
function twoCores(): {
  a: CoreHarness;
  b: CoreHarness;
  event: (event: RoomEvent) => void;
  received: number;
} {
  const limits = { resumeTtlMs: 20_000 };
  const a = new CoreHarness(limits, { cluster: true });
  const b = new CoreHarness(limits, { cluster: true, firstId: 100 });
  const event = (roomEvent: RoomEvent): void => {
    for (const core of [a, b])
      core.relay.handle({ type: 'room-event', room: 'r', event: roomEvent });
  };
  a.client(1);
  a.client(2);
  b.client(1);
  a.send(1, '2:r');
  a.relay.handle({ type: 'room-snapshot', room: 'r', password: '', memberIds: [] });
  a.relay.handle({ type: 'room-event', room: 'r', event: { kind: 'join', clientId: 1 } });
  a.send(2, '2:r');
  event({ kind: 'join', clientId: 2 });
  b.send(1, '2:r');
  b.relay.handle({ type: 'room-snapshot', room: 'r', password: '', memberIds: [1, 2] });
  event({ kind: 'join', clientId: 100 });
  // What the resumer has received since its login reply.
  const received = a.linesFor(1).filter((line) => !line.startsWith('0:')).length;
  a.reset();
  b.reset();
  return { a, b, event, received };
}

function message(clientId: number, text: string): RoomEvent {
  return { kind: 'message', clientId, mode: 0, udp: false, payload: Buffer.from(text) };
}

function last(core: CoreHarness): ClusterRequest | undefined {
  return core.requests().at(-1);
}

/** The state A shipped in its last request. */
function shipped(core: CoreHarness): SessionState {
  const request = last(core);
  assert.equal(request?.op, 'hand-over');
  return (request as { state: SessionState }).state;
}

describe('resume on another node, in the core (§10, docs/cluster.md)', () => {
  it('moves a session in its room order: old lines from A, lines after the move kept by B', () => {
    const { a, b, event, received } = twoCores();
    a.send(1, '5:team:2:100');
    a.cut(1);
    event(message(100, 'while away'));
    b.connect(7);
    b.send(7, `6:1:token1:${received}`);
    assert.deepEqual(last(b), { op: 'resume', connId: 7, clientId: 1, token: 'token1' });
    a.relay.handle({ type: 'resume-asked', ticket: TICKET, clientId: 1, token: 'token1' });
    assert.deepEqual(last(a), { op: 'resume-accept', ticket: TICKET, room: 'r' });
    event({ kind: 'move', clientId: 1, ticket: TICKET });
    const state = shipped(a);
    assert.equal(a.relay.client(1), undefined);
    event(message(2, 'after the move'));
    assert.deepEqual(b.linesFor(7), []);
    b.relay.handle({ type: 'resume-state', connId: 7, state });
    const replay = ['3:100:while away', '3:2:after the move'];
    assert.deepEqual(b.linesFor(7), [`6:1:${replay.length}`, ...replay]);
    event(message(100, 'live'));
    assert.deepEqual(b.linesFor(7).at(-1), '3:100:live');
    // Nobody saw a leave; the master is still the resumer, on both nodes.
    assert.deepEqual(a.linesFor(2), replay.slice(0, 1).concat('3:100:live'));
    assert.equal(a.relay.room('r')?.masterId, 1);
    assert.equal(b.relay.room('r')?.masterId, 1);
    assert.deepEqual(b.relay.client(1)?.room, 'r');
    // Its group went along.
    b.send(7, '4:team:hi');
    const group = last(b);
    assert.equal(group?.op, 'group');
    assert.deepEqual(group.op === 'group' ? group.event.targets : [], [2, 100]);
  });

  it('waits for the move when the state arrives first', () => {
    const { a, b, event, received } = twoCores();
    a.cut(1);
    b.connect(7);
    b.send(7, `6:1:token1:${received}`);
    a.relay.handle({ type: 'resume-asked', ticket: TICKET, clientId: 1, token: 'token1' });
    a.relay.handle({
      type: 'room-event',
      room: 'r',
      event: { kind: 'move', clientId: 1, ticket: TICKET },
    });
    b.relay.handle({ type: 'resume-state', connId: 7, state: shipped(a) });
    assert.deepEqual(b.linesFor(7), []);
    b.relay.handle({
      type: 'room-event',
      room: 'r',
      event: { kind: 'move', clientId: 1, ticket: TICKET },
    });
    assert.deepEqual(b.linesFor(7), ['6:1:0']);
    event(message(2, 'live'));
    assert.deepEqual(b.linesFor(7), ['6:1:0', '3:2:live']);
  });

  it('refuses a wrong token, and a second resume while the first is under way', () => {
    const { a } = twoCores();
    a.cut(1);
    a.relay.handle({ type: 'resume-asked', ticket: TICKET, clientId: 1, token: 'wrong' });
    assert.deepEqual(last(a), { op: 'resume-refuse', ticket: TICKET, code: 'resume_failed' });
    a.relay.handle({ type: 'resume-asked', ticket: TICKET, clientId: 1, token: 'token1' });
    a.relay.handle({ type: 'resume-asked', ticket: 'node-c.1', clientId: 1, token: 'token1' });
    assert.deepEqual(last(a), { op: 'resume-refuse', ticket: 'node-c.1', code: 'resume_failed' });
    // Nor on its own node.
    a.connect(9);
    a.send(9, '6:1:token1:0');
    assert.match(a.linesFor(9)[0] ?? '', /^9:resume_failed:/);
    // A node that does not hold the session refuses too, with the same code.
    a.relay.handle({ type: 'resume-asked', ticket: 'node-d.1', clientId: 55, token: 'token1' });
    assert.deepEqual(last(a), { op: 'resume-refuse', ticket: 'node-d.1', code: 'resume_failed' });
  });

  it('refuses the client when the cluster does, and counts it as a failed login', () => {
    const { b } = twoCores();
    b.connect(7);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      b.send(7, `6:1:token1:0`);
      b.relay.handle({ type: 'cluster-refused', connId: 7, code: 'resume_failed' });
    }
    assert.match(b.linesFor(7)[0] ?? '', /^9:resume_failed:/);
    assert.equal(b.closed(7), 'too_many_auth_failures');
  });

  it('ends a session that moved but whose state never came: the room sees it leave', () => {
    const { a, b, event, received } = twoCores();
    a.cut(1);
    b.connect(7);
    b.send(7, `6:1:token1:${received}`);
    event({ kind: 'move', clientId: 1, ticket: TICKET });
    b.relay.handle({ type: 'cluster-refused', connId: 7, code: 'resume_failed' });
    assert.match(b.linesFor(7)[0] ?? '', /^9:resume_failed:/);
    assert.deepEqual(last(b), { op: 'leave', connId: -1, clientId: 1 });
    event({ kind: 'leave', clientId: 1 });
    assert.deepEqual(b.linesFor(1).slice(-2), ['2:1:', '4:2']);
    assert.equal(b.relay.room('r')?.masterId, 2);
  });

  it('answers resume_gap when the lines the client missed are no longer held', () => {
    const { a, b, event } = twoCores();
    a.cut(1);
    b.connect(7);
    b.send(7, `6:1:token1:99`);
    a.relay.handle({ type: 'resume-asked', ticket: TICKET, clientId: 1, token: 'token1' });
    event({ kind: 'move', clientId: 1, ticket: TICKET });
    b.relay.handle({ type: 'resume-state', connId: 7, state: shipped(a) });
    assert.match(b.linesFor(7)[0] ?? '', /^9:resume_gap:/);
    assert.deepEqual(last(b), { op: 'leave', connId: -1, clientId: 1 });
  });

  it('takes over a half-open connection: it is told and closed, and its end ends nothing', () => {
    const { a } = twoCores();
    a.relay.handle({ type: 'resume-asked', ticket: TICKET, clientId: 1, token: 'token1' });
    assert.match(a.linesFor(1).at(-1) ?? '', /^9:session_resumed:/);
    assert.equal(a.closed(1), 'session_resumed');
    assert.deepEqual(last(a), { op: 'resume-accept', ticket: TICKET, room: 'r' });
    const before = a.requests().length;
    a.send(1, '3:0:late line from the old connection');
    a.disconnect(1);
    assert.equal(a.requests().length, before);
    assert.equal(a.relay.client(1)?.away, true);
  });

  it('ships a session in no room at once, and installs it on the asking node', () => {
    const { a, b } = twoCores();
    a.client(3);
    a.send(3, '5:mates:2');
    a.cut(3);
    b.connect(8);
    b.send(8, '6:3:token3:0');
    a.relay.handle({ type: 'resume-asked', ticket: TICKET, clientId: 3, token: 'token3' });
    const state = shipped(a);
    assert.equal(state.room, '');
    assert.equal(a.relay.client(3), undefined);
    b.relay.handle({ type: 'resume-state', connId: 8, state });
    assert.deepEqual(b.linesFor(8), ['6:3:0']);
    assert.deepEqual(b.relay.client(3)?.username, 'user3');
    b.send(8, '4:mates:hello');
    assert.equal(last(b)?.op, 'group');
  });

  it('ends a session whose state comes when nobody waits for it any more', () => {
    const { b } = twoCores();
    const state: SessionState = {
      clientId: 1,
      username: 'user1',
      room: 'r',
      groups: [],
      firstSeq: 1,
      lines: [],
    };
    b.relay.handle({ type: 'resume-state', connId: 99, state });
    assert.deepEqual(last(b), { op: 'leave', connId: -1, clientId: 1 });
    // A move of a session this node does not wait for changes nothing here.
    b.relay.handle({
      type: 'room-event',
      room: 'r',
      event: { kind: 'move', clientId: 1, ticket: TICKET },
    });
    assert.equal(b.relay.room('r')?.masterId, 1);
  });

  it('refuses at once in one process: there is no other node', () => {
    const core = new CoreHarness({ resumeTtlMs: 20_000 });
    core.connect(1);
    core.send(1, '6:42:token9:0');
    assert.match(core.linesFor(1)[0] ?? '', /^9:resume_failed:/);
    core.login(1, 'fresh');
    assert.match(core.linesFor(1)[1] ?? '', /^0:\d+:token1$/);
  });
});
