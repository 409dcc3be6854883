import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import {
  connect,
  RoomwireError,
  type ClientEvents,
  type ConnectOptions,
  type RoomwireClient,
  type WebSocketConstructor,
} from '../../src/client/index.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const isCode = (code: string) => (error: unknown) =>
  error instanceof RoomwireError && error.code === code;

/** Resolves with the next `event` that passes `accept`; rejects after `timeoutMs`. */
function nextEvent<K extends keyof ClientEvents>(
  client: RoomwireClient,
  event: K,
  accept: (value: ClientEvents[K]) => boolean = () => true,
  timeoutMs = 3000,
): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${String(event)} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = client.on(event, (value) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
}

describe('the client library in Node, against a running server', { timeout: 30_000 }, () => {
  let server: TestServer;
  const clients: RoomwireClient[] = [];
  const open = async (options: ConnectOptions = {}): Promise<RoomwireClient> => {
    const client = await connect({ host: '127.0.0.1', port: server.port, ...options });
    clients.push(client);
    return client;
  };
  const player = async (name: string, room?: string): Promise<RoomwireClient> => {
    const client = await open();
    await client.login(name, 'pw');
    if (room !== undefined) await client.join(room);
    return client;
  };
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await server.stop();
  });

  it('logs in, lists rooms, joins and leaves, with events for the others', async () => {
    const alice = await open();
    const aliceId = await alice.login('alice', 'pw');
    assert.equal(alice.clientId, aliceId);
    assert.deepEqual(await alice.join('tour'), {
      name: 'tour',
      members: [aliceId],
      masterId: aliceId,
    });
    const bob = await player('bob');
    assert.deepEqual(await bob.listRooms(), [{ name: 'tour', memberCount: 1 }]);
    const aliceSeesBob = nextEvent(alice, 'joined', (event) => !event.self);
    const view = await bob.join('tour');
    assert.deepEqual(view, { name: 'tour', members: [aliceId, bob.clientId], masterId: aliceId });
    assert.deepEqual(await aliceSeesBob, {
      clientId: bob.clientId,
      room: 'tour',
      self: false,
      existing: false,
    });
    const bobSeesLeave = nextEvent(bob, 'left');
    const bobSeesMaster = nextEvent(bob, 'master');
    await alice.leave();
    assert.equal(alice.room, undefined);
    assert.equal((await bobSeesLeave).clientId, aliceId);
    assert.equal((await bobSeesMaster).masterId, bob.clientId);
    assert.deepEqual(bob.room, { name: 'tour', members: [bob.clientId], masterId: bob.clientId });
  });

  it('relays messages in every mode and to groups, as events', async () => {
    const carol = await player('carol', 'modes');
    const dave = await player('dave', 'modes');
    for (const mode of [0, 1, 2, 3] as const) {
      const atDave = nextEvent(dave, 'message');
      const atCarol = mode % 2 === 1 ? nextEvent(carol, 'message') : undefined;
      carol.send(mode, `mode ${mode}: hi`);
      const expected = { senderId: carol.clientId, payload: `mode ${mode}: hi`, unreliable: false };
      assert.deepEqual(await atDave, expected);
      if (atCarol !== undefined) assert.deepEqual(await atCarol, expected);
    }
    carol.setGroup('duo', [dave.clientId ?? -1]);
    const grouped = nextEvent(dave, 'message');
    carol.sendGroup('duo', 'just you');
    assert.equal((await grouped).payload, 'just you');
  });

  it('rejects a join with the server code when the room password is wrong', async () => {
    const owner = await player('owner');
    await owner.join('vault', 'opensesame');
    const guest = await player('guest');
    await assert.rejects(guest.join('vault', 'guess'), isCode('wrong_room_password'));
    assert.equal(guest.room, undefined);
    assert.equal((await guest.join('vault', 'opensesame')).members.length, 2);
    await assert.rejects(guest.login('again', 'pw'), isCode('already_logged_in'));
  });

  it('binds UDP and sends unreliable messages, but not before the bind', async () => {
    const erin = await player('erin', 'udp-room');
    const frank = await player('frank', 'udp-room');
    assert.throws(() => erin.sendUnreliable(0, 'x'), isCode('udp_not_bound'));
    await Promise.all([erin.bindUdp(), frank.bindUdp()]);
    assert.equal(erin.udpBound, true);
    const received = nextEvent(frank, 'message', (event) => event.unreliable);
    // Datagrams may be lost: send a few, one is enough.
    for (let index = 0; index < 3; index += 1) erin.sendUnreliable(0, 'pos:1,2,3');
    assert.deepEqual(await received, {
      senderId: erin.clientId,
      payload: 'pos:1,2,3',
      unreliable: true,
    });
  });

  it('speaks WebSocket too, in the same rooms as TCP clients', async () => {
    const tcp = await player('tcp', 'both');
    const ws = await open({
      url: `ws://127.0.0.1:${server.httpPort}/ws`,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
    });
    await ws.login('ws', 'pw');
    await ws.join('both');
    const atTcp = nextEvent(tcp, 'message');
    ws.send(2, 'over websocket');
    assert.deepEqual(await atTcp, {
      senderId: ws.clientId,
      payload: 'over websocket',
      unreliable: false,
    });
    await assert.rejects(ws.bindUdp(), isCode('udp_unavailable'));
  });

  it('fails connect() clearly when nothing listens', async () => {
    await assert.rejects(connect({ host: '127.0.0.1', port: 1 }), isCode('connect_failed'));
  });
});

describe('the client library reconnecting', { timeout: 30_000 }, () => {
  it('comes back after a server restart on the same port, logged in and in its room', async () => {
    let server = await startTestServer();
    const { port } = server;
    const bot = await connect({
      host: '127.0.0.1',
      port,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    try {
      await bot.login('bot', 'pw');
      await bot.join('persistent', 'secret');
      await bot.bindUdp();
      const closed = nextEvent(bot, 'close');
      await server.stop();
      const close = await closed;
      assert.equal(close.reconnecting, true);
      assert.equal(close.error?.code, 'shutting_down');
      assert.equal(bot.status, 'reconnecting');

      // Down for a few backoff rounds, then up again on the same port.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const reconnected = nextEvent(bot, 'reconnected');
      server = await startTestServer({ port });
      const back = await reconnected;
      assert.equal(back.room, 'persistent');
      assert.equal(bot.status, 'open');
      assert.equal(bot.udpBound, true);

      const peer = await connect({ host: '127.0.0.1', port });
      await peer.login('peer', 'pw');
      const view = await peer.join('persistent', 'secret');
      assert.deepEqual(view.members, [back.clientId, peer.clientId]);
      const atBot = nextEvent(bot, 'message');
      peer.send(0, 'welcome back');
      assert.equal((await atBot).payload, 'welcome back');
      await peer.close();
    } finally {
      await bot.close();
      await server.stop();
    }
  });

  it('resumes through a broken connection after acknowledging lines: same id, same room, the missed messages, no leave seen', async () => {
    const server = await startTestServer();
    const proxy = await TcpProxy.start(server.port);
    const bot = await connect({
      host: '127.0.0.1',
      port: proxy.port,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    const peer = await connect({ host: '127.0.0.1', port: server.port });
    try {
      const botId = await bot.login('bot', 'pw');
      await bot.join('kept');
      await peer.login('peer', 'pw');
      await peer.join('kept');
      const peerSaw: string[] = [];
      peer.on('left', (event) => peerSaw.push(`left ${event.clientId}`));
      const botGot: string[] = [];
      bot.on('message', (event) => botGot.push(event.payload));
      // Enough for the bot to acknowledge lines (6:128, 6:256), which the server then forgets.
      const before = Array.from({ length: 300 }, (_, index) => `before ${index}`);
      for (const payload of before) peer.send(0, payload);
      const deadline = Date.now() + 5_000;
      while (botGot.length < before.length && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.deepEqual(botGot.splice(0), before);
      const reconnected = nextEvent(bot, 'reconnected');
      proxy.resetAll();
      // Sent while the bot is away: kept by the server and replayed on the resume.
      peer.send(0, 'while away 1');
      peer.send(2, 'while away 2');
      const back = await reconnected;
      // The two messages, and whatever else was still in flight when the connection broke.
      const { replayed, ...rest } = back;
      assert.deepEqual(rest, { clientId: botId, room: 'kept', resumed: true });
      assert.ok(replayed >= 2, `replayed ${replayed}`);
      assert.deepEqual(botGot, ['while away 1', 'while away 2']);
      assert.equal(bot.clientId, botId);
      assert.deepEqual(bot.room?.members, [botId, peer.clientId]);
      assert.equal(bot.room?.masterId, botId);
      const atPeer = nextEvent(peer, 'message');
      bot.send(0, 'back');
      assert.equal((await atPeer).payload, 'back');
      assert.deepEqual(peerSaw, [], 'the peer never saw the bot leave');
    } finally {
      await bot.close();
      await peer.close();
      await proxy.close();
      await server.stop();
    }
  });

  it('logs in afresh and rejoins when the server refuses the resume', async () => {
    const server = await startTestServer({ resumeTtlMs: 100 });
    const proxy = await TcpProxy.start(server.port);
    const bot = await connect({
      host: '127.0.0.1',
      port: proxy.port,
      reconnect: { initialDelayMs: 600, maxDelayMs: 600 },
    });
    try {
      const firstId = await bot.login('bot', 'pw');
      await bot.join('again');
      const reconnected = nextEvent(bot, 'reconnected');
      proxy.resetAll();
      const back = await reconnected;
      assert.equal(back.resumed, false);
      assert.notEqual(back.clientId, firstId);
      assert.equal(back.room, 'again');
    } finally {
      await bot.close();
      await proxy.close();
      await server.stop();
    }
  });
});
