import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoomEvent } from '../../src/core/cluster-types.js';
import { CoreHarness } from '../helpers/core-harness.js';

const REMOTE = 900;

/** A cluster-mode relay whose clients get ids 1, 2, 3... */
function clusterCore(limits = {}): CoreHarness {
  return new CoreHarness(limits, { cluster: true });
}

function roomEvent(core: CoreHarness, room: string, event: RoomEvent): void {
  core.relay.handle({ type: 'room-event', room, event });
}

/** Plays the backplane's side of a successful first join of `clientId` into a new room. */
function joinNewRoom(core: CoreHarness, room: string, clientId: number, memberIds: number[] = []) {
  core.relay.handle({ type: 'room-snapshot', room, password: '', memberIds });
  roomEvent(core, room, { kind: 'join', clientId });
}

describe('the relay core in cluster mode', () => {
  it('asks the backplane to join and holds later lines until its join event is applied', () => {
    const core = clusterCore();
    const id = core.client(1);
    core.reset();
    core.send(1, '2:lobby:secret');
    core.send(1, '3:1:held');
    assert.deepEqual(core.requests(), [
      { op: 'join', connId: 1, clientId: id, room: 'lobby', password: 'secret' },
    ]);
    assert.deepEqual(core.linesFor(1), []);
    core.relay.handle({
      type: 'room-snapshot',
      room: 'lobby',
      password: 'secret',
      memberIds: [REMOTE],
    });
    roomEvent(core, 'lobby', { kind: 'join', clientId: id });
    // Section 4 exactly as on one process; then the held message goes to the backplane.
    assert.deepEqual(core.linesFor(1), [`2:${id}:lobby`, `2:${REMOTE}:lobby`, `4:${REMOTE}`]);
    assert.equal(core.requests().at(-1)?.op, 'publish');
    assert.deepEqual(core.relay.room('lobby'), {
      name: 'lobby',
      isPrivate: true,
      masterId: REMOTE,
      memberIds: [REMOTE, id],
    });
  });

  it('does nothing for a join of the room the client is in', () => {
    const core = clusterCore();
    const id = core.client(1);
    core.send(1, '2:lobby');
    joinNewRoom(core, 'lobby', id);
    core.reset();
    core.send(1, '2:lobby');
    assert.deepEqual(core.requests(), []);
  });

  it('answers a refused join with its code and replays the held lines', () => {
    const core = clusterCore();
    core.client(1);
    core.send(1, '2:full');
    core.send(1, '3:0:nowhere');
    core.reset();
    core.relay.handle({ type: 'cluster-refused', connId: 1, code: 'room_full' });
    assert.deepEqual(core.linesFor(1), [
      '9:room_full:the room is full',
      '9:not_in_room:join a room first',
    ]);
    // A refusal for a connection that waits for nothing, or is gone, changes nothing.
    core.relay.handle({ type: 'cluster-refused', connId: 1, code: 'room_full' });
    core.relay.handle({ type: 'cluster-refused', connId: 7, code: 'room_full' });
    assert.equal(core.linesFor(1).length, 2);
  });

  it('shows remote members joining and leaving, with master changes, to local members', () => {
    const core = clusterCore();
    const id = core.client(1);
    core.send(1, '2:hall');
    joinNewRoom(core, 'hall', id, [REMOTE]);
    core.reset();
    roomEvent(core, 'hall', { kind: 'join', clientId: REMOTE + 1 });
    roomEvent(core, 'hall', { kind: 'join', clientId: REMOTE + 1 });
    roomEvent(core, 'hall', { kind: 'leave', clientId: REMOTE });
    roomEvent(core, 'hall', { kind: 'leave', clientId: 12345 });
    roomEvent(core, 'nowhere', { kind: 'leave', clientId: REMOTE });
    assert.deepEqual(core.linesFor(1), [`2:${REMOTE + 1}:hall`, `2:${REMOTE}:`, `4:${id}`]);
    assert.deepEqual(core.requests(), []);
  });

  it('leaves through the backplane and stops watching a room with no local member left', () => {
    const core = clusterCore();
    const id = core.client(1);
    core.send(1, '2:hall');
    joinNewRoom(core, 'hall', id, [REMOTE]);
    core.reset();
    core.send(1, '2:-1');
    core.send(1, '1');
    assert.deepEqual(core.requests(), [{ op: 'leave', connId: 1, clientId: id }]);
    roomEvent(core, 'hall', { kind: 'leave', clientId: id });
    assert.deepEqual(core.linesFor(1), [`2:${id}:`]);
    assert.deepEqual(core.requests().slice(1), [
      { op: 'unwatch', room: 'hall' },
      { op: 'list-rooms', connId: 1, password: '' },
    ]);
    assert.equal(core.relay.room('hall'), undefined);
    core.relay.handle({ type: 'room-list', connId: 1, rooms: [{ name: 'hall', memberCount: 1 }] });
    core.relay.handle({ type: 'room-list', connId: 1, rooms: [] });
    assert.deepEqual(core.linesFor(1).slice(1), ['1:hall-1']);
  });

  it('publishes messages and applies them from the channel, the sender only for modes 1 and 3', () => {
    const core = clusterCore();
    const a = core.client(1);
    const b = core.client(2);
    core.send(1, '2:chat');
    joinNewRoom(core, 'chat', a, [REMOTE]);
    core.send(2, '2:chat');
    roomEvent(core, 'chat', { kind: 'join', clientId: b });
    core.reset();
    core.send(1, '3:2:x:y');
    const [request] = core.requests();
    assert.equal(request?.op, 'publish');
    assert.ok(request?.op === 'publish' && request.event.kind === 'message');
    assert.equal(request.event.payload.toString(), 'x:y');
    const message = (mode: 0 | 1 | 2 | 3, clientId: number): RoomEvent => ({
      kind: 'message',
      clientId,
      mode,
      udp: false,
      payload: Buffer.from(`m${mode}`),
    });
    roomEvent(core, 'chat', message(2, a));
    roomEvent(core, 'chat', message(3, a));
    roomEvent(core, 'chat', message(0, REMOTE));
    roomEvent(core, 'chat', message(1, 4242)); // not a member: dropped on every node
    assert.deepEqual(core.linesFor(1), [`3:${a}:m3`, `3:${REMOTE}:m0`]);
    assert.deepEqual(core.linesFor(2), [`3:${a}:m2`, `3:${a}:m3`, `3:${REMOTE}:m0`]);
  });

  it('relays UDP through the room channel to bound members only', () => {
    const core = clusterCore();
    const a = core.client(1);
    const b = core.client(2);
    core.send(1, '2:field');
    joinNewRoom(core, 'field', a, [REMOTE]);
    core.send(2, '2:field');
    roomEvent(core, 'field', { kind: 'join', clientId: b });
    core.datagram({ ip: '10.0.0.1', port: 7001 }, `0:${a}`);
    core.reset();
    core.datagram({ ip: '10.0.0.1', port: 7001 }, `${a}:3:0:fast`);
    const [request] = core.requests();
    assert.ok(request?.op === 'publish' && request.event.kind === 'message' && request.event.udp);
    roomEvent(core, 'field', { ...request.event, mode: 1 });
    roomEvent(core, 'field', { ...request.event, clientId: REMOTE, mode: 0 });
    assert.deepEqual(core.datagramsTo('10.0.0.1', 7001), [`3:${a}:fast`, `3:${REMOTE}:fast`]);
    assert.deepEqual(core.linesFor(2), []);
  });

  it('sends group messages through the backplane and delivers them to local targets', () => {
    const core = clusterCore();
    const a = core.client(1);
    const b = core.client(2);
    core.datagram({ ip: '10.0.0.1', port: 7002 }, `0:${b}`);
    core.reset();
    core.send(1, `5:team:${b}:${REMOTE}`);
    core.send(1, '4:team:hi');
    core.datagram({ ip: '10.0.0.1', port: 7002 }, `${b}:4:none:x`);
    core.send(2, `5:back:${a}`);
    core.datagram({ ip: '10.0.0.1', port: 7002 }, `${b}:4:back:fast`);
    const groups = core.requests();
    assert.deepEqual(
      groups.map((request) => request.op === 'group' && [request.event.targets, request.event.udp]),
      [
        [[b, REMOTE], false],
        [[a], true],
      ],
    );
    const payload = Buffer.from('from afar');
    core.relay.handle({
      type: 'group-event',
      event: { senderId: REMOTE, targets: [a, b, 77], udp: false, payload },
    });
    core.relay.handle({
      type: 'group-event',
      event: { senderId: REMOTE, targets: [a, b], udp: true, payload },
    });
    core.relay.handle({
      type: 'group-event',
      event: { senderId: REMOTE, targets: [77], udp: false, payload },
    });
    assert.deepEqual(core.linesFor(1), [`3:${REMOTE}:from afar`]);
    assert.deepEqual(core.linesFor(2), [`3:${REMOTE}:from afar`]);
    assert.deepEqual(core.datagramsTo('10.0.0.1', 7002), [
      '9:unknown_group:no such group; define it with 5:group:ids',
      `3:${REMOTE}:from afar`,
    ]);
  });

  it('asks the backplane to remove a departed member, or a join still in flight', () => {
    const core = clusterCore();
    const a = core.client(1);
    const b = core.client(2);
    core.client(3);
    core.send(1, '2:room');
    joinNewRoom(core, 'room', a, [REMOTE]);
    core.send(2, '2:room');
    core.reset();
    core.disconnect(1);
    core.disconnect(2);
    core.disconnect(3);
    assert.deepEqual(core.requests(), [
      { op: 'leave', connId: -1, clientId: a },
      { op: 'leave', connId: -1, clientId: b },
    ]);
    // The departed member stays in the replica until its leave comes through the channel.
    roomEvent(core, 'room', {
      kind: 'message',
      clientId: REMOTE,
      mode: 0,
      udp: false,
      payload: Buffer.from('x'),
    });
    roomEvent(core, 'room', { kind: 'leave', clientId: a });
    assert.deepEqual(core.requests().slice(2), [{ op: 'unwatch', room: 'room' }]);
  });

  it('detaches every local member when the backplane link is lost', () => {
    const core = clusterCore();
    const a = core.client(1);
    core.client(2);
    core.send(1, '2:room');
    joinNewRoom(core, 'room', a, [REMOTE]);
    core.send(2, '2:elsewhere');
    core.reset();
    core.relay.handle({ type: 'backplane-lost' });
    assert.deepEqual(core.linesFor(1), [
      '9:unavailable:the cluster backplane is unavailable; try again',
      `2:${a}:`,
    ]);
    assert.deepEqual(core.linesFor(2), [
      '9:unavailable:the cluster backplane is unavailable; try again',
    ]);
    assert.deepEqual(core.relay.rooms(), []);
    core.send(1, '3:0:x');
    assert.equal(core.linesFor(1).at(-1), '9:not_in_room:join a room first');
  });

  it('refuses a login with unavailable when no client id can be had', () => {
    const core = new CoreHarness({}, { cluster: true, ids: { next: () => -1 } });
    core.connect(1);
    core.send(1, '0:alice:pw');
    core.answerAuth(1, true);
    assert.deepEqual(core.linesFor(1), [
      '9:unavailable:the cluster backplane is unavailable; try again',
    ]);
    assert.equal(core.clientIdOf(1), undefined);
  });

  it('closes a room for this node only: local members are told and leave through the backplane', () => {
    const core = clusterCore();
    const a = core.client(1);
    core.send(1, '2:room');
    joinNewRoom(core, 'room', a, [REMOTE]);
    core.reset();
    core.relay.handle({ type: 'close-room', room: 'room', reason: '' });
    assert.deepEqual(core.linesFor(1), ['9:room_closed:the room was closed by an administrator']);
    assert.deepEqual(core.requests(), [{ op: 'leave', connId: 1, clientId: a }]);
  });

  it('reports created: true for the member who created the room, false for later ones (issue 14)', () => {
    const core = clusterCore();
    const first = core.client(1);
    const second = core.client(2);
    core.send(1, '2:fresh');
    joinNewRoom(core, 'fresh', first);
    core.send(2, '2:fresh');
    roomEvent(core, 'fresh', { kind: 'join', clientId: second });
    const joins = core.events().filter((event) => event.kind === 'join');
    assert.deepEqual(joins, [
      { kind: 'join', clientId: first, room: 'fresh', created: true },
      { kind: 'join', clientId: second, room: 'fresh', created: false },
    ]);
  });
});
