import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LineClient } from '../helpers/line-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { UdpClient } from '../helpers/udp-client.js';

interface Player {
  readonly client: LineClient;
  readonly id: number;
}

describe('UDP binding and relaying', { timeout: 20_000 }, () => {
  let server: TestServer;
  const tcp: LineClient[] = [];
  const udp: UdpClient[] = [];
  // a, b and c share room "field"; d is in room "elsewhere"; c never binds UDP.
  let a: Player, b: Player, c: Player, d: Player;
  let ua: UdpClient, ub: UdpClient, ud: UdpClient;

  async function player(name: string, room: string | undefined): Promise<Player> {
    const result = await LineClient.login(server.port, name);
    tcp.push(result.client);
    if (room !== undefined) {
      result.client.send(`2:${room}`);
      // Wait for the master line that ends the join sequence.
      while (!(await result.client.next()).startsWith('4:'));
    }
    return result;
  }

  async function socket(bindIp = '127.0.0.1'): Promise<UdpClient> {
    const client = await UdpClient.open(server.port, bindIp);
    udp.push(client);
    return client;
  }

  /** A TCP round trip: everything the client sent before it has been handled. */
  async function barrier(who: Player): Promise<void> {
    who.client.send('1');
    while (!(await who.client.next()).startsWith('1:'));
  }

  /** Asserts that none of these sockets receives anything for a while. */
  async function silent(...sockets: readonly (UdpClient | LineClient)[]): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const s of sockets) assert.deepEqual(await s.quiet(0), []);
  }

  before(async () => {
    server = await startTestServer();
    a = await player('a', 'field');
    b = await player('b', 'field');
    c = await player('c', 'field');
    d = await player('d', 'elsewhere');
    for (const p of [a, b]) await p.client.quiet(20);
    [ua, ub, ud] = [await socket(), await socket(), await socket()];
  });
  after(async () => {
    for (const client of tcp) client.close();
    for (const client of udp) client.close();
    await server.stop();
  });

  it('answers the bind datagram 0:<id> with 0:<id>:connected', async () => {
    assert.equal(await ua.sendUntilAnswered(`0:${a.id}`), `0:${a.id}:connected`);
  });

  it("answers the Unity client's bind <id>:0:Hello with 0:<id>:connected", async () => {
    assert.equal(await ub.sendUntilAnswered(`${b.id}:0:Hello`), `0:${b.id}:connected`);
    assert.equal(await ud.sendUntilAnswered(`${d.id}:0:Hello\n`), `0:${d.id}:connected`);
    await silent(ua, ub, ud);
  });

  it('relays <id>:3:0:payload as 3:<sender>:payload to the bound members of the room only', async () => {
    await ua.send(`${a.id}:3:0:pos:1.5:-2`);
    assert.equal(await ub.next(), `3:${a.id}:pos:1.5:-2`);
    // Not the sender (mode 0), not d in another room, and nothing over TCP for c or anyone.
    await silent(ua, ud, a.client, b.client, c.client, d.client);
  });

  it('includes the sender in modes 1 and 3', async () => {
    for (const mode of [1, 3]) {
      await ub.send(`${b.id}:3:${mode}:mode ${mode}`);
      assert.equal(await ua.next(), `3:${b.id}:mode ${mode}`);
      assert.equal(await ub.next(), `3:${b.id}:mode ${mode}`);
    }
    await ub.send(`${b.id}:3:2:ordered`);
    assert.equal(await ua.next(), `3:${b.id}:ordered`);
    await silent(ua, ub, ud, c.client);
  });

  it('relays <id>:4:<group>:payload to the bound members of the group, in any room', async () => {
    a.client.send(`5:squad:${b.id}:${c.id}:${d.id}`);
    await barrier(a);
    await ua.send(`${a.id}:4:squad:regroup:now`);
    assert.equal(await ub.next(), `3:${a.id}:regroup:now`);
    assert.equal(await ud.next(), `3:${a.id}:regroup:now`);
    await silent(ua, c.client, b.client, d.client);
  });

  it('drops datagrams that claim a bound client id from another socket, without a reply', async () => {
    const spoofer = await socket();
    await spoofer.send(`${a.id}:3:1:spoofed`);
    await spoofer.send(`${b.id}:4:squad:spoofed`);
    await spoofer.send(`${d.id}:3:0:spoofed`);
    await silent(spoofer, ua, ub, ud, a.client, b.client, c.client, d.client);
  });

  it('ignores binds for a client whose TCP connection comes from another IP', async () => {
    const stranger = await socket('127.0.0.2');
    for (const bind of [`0:${c.id}`, `${c.id}:0:Hello`, `0:${a.id}`]) await stranger.send(bind);
    await stranger.send(`${c.id}:3:1:spoofed`);
    await stranger.send(`${a.id}:3:1:spoofed`);
    await silent(stranger, ua, ub, ud, c.client);
    // The stranger's attempts did not take c's or a's place: both still work from 127.0.0.1.
    const uc = await socket();
    assert.equal(await uc.sendUntilAnswered(`0:${c.id}`), `0:${c.id}:connected`);
    await ua.send(`${a.id}:3:0:still mine`);
    assert.equal(await ub.next(), `3:${a.id}:still mine`);
    assert.equal(await uc.next(), `3:${a.id}:still mine`);
    await silent(stranger);
  });

  it('binds a socket on 127.0.0.2 for a client whose TCP connection comes from there', async () => {
    // The control for the test above: replies to 127.0.0.2 do arrive when they are due.
    const client = await LineClient.connect(server.port, '127.0.0.1', '127.0.0.2');
    tcp.push(client);
    client.send('0:far:pw');
    const id = Number(/^0:(\d+)(?::[\w-]+)?$/.exec(await client.next())?.[1]);
    const far = await socket('127.0.0.2');
    assert.equal(await far.sendUntilAnswered(`0:${id}`), `0:${id}:connected`);
  });

  it('answers a bound client that is in no room with 9:not_in_room', async () => {
    const e = await player('e', undefined);
    const ue = await socket();
    assert.equal(await ue.sendUntilAnswered(`0:${e.id}`), `0:${e.id}:connected`);
    await ue.send(`${e.id}:3:0:anyone?`);
    assert.match(await ue.next(), /^9:not_in_room:/);
  });

  it('forgets the UDP binding when the TCP connection ends', async () => {
    d.client.close();
    const deadline = Date.now() + 2000;
    while (server.server.view.sessions().some((session) => session.clientId === d.id)) {
      assert.ok(Date.now() < deadline, 'the server never saw the disconnect');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await ud.send(`${d.id}:3:1:after disconnect`);
    await ua.send(`${a.id}:4:squad:to the squad`);
    assert.equal(await ub.next(), `3:${a.id}:to the squad`);
    await silent(ud, ua);
  });
});
