import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TOKEN, useAdminServer } from '../helpers/admin-server.js';
import { LineClient } from '../helpers/line-client.js';
import { UdpClient } from '../helpers/udp-client.js';

describe('admin API: reading', () => {
  const fixture = useAdminServer();

  it('answers /healthz and /readyz with short JSON bodies', async () => {
    const health = await fixture.api().call('/healthz');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
    assert.equal(typeof health.body.uptimeSeconds, 'number');
    const ready = await fixture.api().call('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, {
      status: 'ready',
      checks: { tcp: true, udp: true, http: true, accepting: true },
    });
  });

  it('lists rooms with their members and masters, and shows one room with its clients', async () => {
    const alice = await fixture.member('alice', 'red');
    const bob = await fixture.member('bob', 'red');
    await fixture.member('carol', 'blue');
    const list = await fixture.api().call('/api/rooms');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.rooms, [
      {
        name: 'red',
        private: false,
        masterId: alice.id,
        masterName: 'alice',
        memberCount: 2,
        memberIds: [alice.id, bob.id],
      },
      {
        name: 'blue',
        private: false,
        masterId: alice.id + 2,
        masterName: 'carol',
        memberCount: 1,
        memberIds: [alice.id + 2],
      },
    ]);
    const red = await fixture.api().call('/api/rooms/red');
    assert.equal(red.status, 200);
    const members = red.body.members as Record<string, unknown>[];
    assert.deepEqual(
      members.map((member) => [member.id, member.username, member.transports, member.room]),
      [
        [alice.id, 'alice', ['tcp'], 'red'],
        [bob.id, 'bob', ['tcp'], 'red'],
      ],
    );
    const [first] = members;
    assert.ok(first !== undefined);
    assert.equal(Number.isNaN(Date.parse(String(first.connectedAt))), false);
    for (const field of ['messagesIn', 'bytesIn', 'messagesOut', 'bytesOut', 'queuedBytes']) {
      assert.equal(typeof first[field], 'number', field);
    }
    assert.equal(first.messagesIn, 2, 'the login and the join');
  });

  it('lists every connection, logged in or not, with its transports and traffic', async () => {
    const anonymous = fixture.track(await LineClient.connect(fixture.server().port));
    const dave = await fixture.member('dave');
    const udp = fixture.track(await UdpClient.open(fixture.server().port));
    assert.equal(await udp.sendUntilAnswered(`0:${dave.id}`), `0:${dave.id}:connected`);
    dave.client.send('1');
    const roomList = await dave.client.next();
    const { status, body } = await fixture.api().call('/api/clients');
    assert.equal(status, 200);
    const clients = body.clients as Record<string, unknown>[];
    const mine = clients.find((client) => client.id === dave.id);
    assert.deepEqual(mine?.transports, ['tcp', 'udp']);
    assert.equal(mine?.room, null);
    assert.equal(mine?.messagesIn, 2);
    assert.equal(mine?.messagesOut, 2, 'the login answer and the room list');
    const loginReply = dave.client.lines[0] as string;
    assert.match(
      loginReply,
      new RegExp(`^0:${dave.id}:[\\w-]{32}$`),
      'the login answer, with its token',
    );
    assert.equal(mine?.bytesOut, Buffer.byteLength(`${loginReply}\n${roomList}\n`));
    const stranger = clients.find((client) => client.id === null);
    assert.equal(stranger?.username, null);
    assert.deepEqual(stranger?.transports, ['tcp']);
    anonymous.close();
  });

  it('answers 404 for an unknown room and 400 for a name no room can have, with JSON bodies', async () => {
    const missing = await fixture.api().call('/api/rooms/nowhere');
    assert.equal(missing.status, 404);
    assert.match(String(missing.body.error), /no room named "nowhere"/);
    for (const bad of ['a%3Ab', '-1', 'x'.repeat(65)]) {
      const answer = await fixture.api().call(`/api/rooms/${bad}`);
      assert.equal(answer.status, 400, bad);
      assert.match(String(answer.body.error), /not a valid room name/);
    }
    const unknownPath = await fixture.api().call('/api/nothing');
    assert.equal(unknownPath.status, 404);
  });

  it('decodes a room name from the path, slashes and spaces included', async () => {
    await fixture.member('erin', 'team/red one');
    const answer = await fixture.api().call(`/api/rooms/${encodeURIComponent('team/red one')}`);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.name, 'team/red one');
  });

  it('serves the dashboard page and its files, nothing else under /admin', async () => {
    const page = await fixture.api().fetch('/admin');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(await page.text(), /<title>Roomwire admin<\/title>/);
    for (const file of ['admin.js', 'chart.js', 'admin.css']) {
      assert.equal((await fixture.api().fetch(`/admin/${file}`)).status, 200, file);
    }
    const other = await fixture.api().call('/admin/..%2Fpackage.json');
    assert.equal(other.status, 404);
  });
});

describe('admin API: readiness checks added by other parts', () => {
  const fixture = useAdminServer({});

  it('answers 503 with the failing check while any check fails', async () => {
    let connected = false;
    fixture.server().server.addReadinessCheck('backplane', () => connected);
    const down = await fixture.api().call('/readyz');
    assert.equal(down.status, 503);
    assert.equal(down.body.status, 'not_ready');
    assert.equal((down.body.checks as Record<string, boolean>).backplane, false);
    connected = true;
    assert.equal((await fixture.api().call('/readyz')).status, 200);
    assert.throws(() => fixture.server().server.addReadinessCheck('tcp', () => true), /exists/);
  });
});

describe('admin API: reads protected by the token', () => {
  const fixture = useAdminServer({ adminToken: TOKEN, adminProtectReads: 'true' });

  it('refuses reads without the token with 401 and a JSON body, and serves them with it', async () => {
    for (const path of ['/api/rooms', '/api/rooms/x', '/api/clients', '/api/events']) {
      const refused = await fixture.api().call(path);
      assert.equal(refused.status, 401, path);
      assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.equal(typeof refused.body.error, 'string');
      const wrong = await fixture.api().call(path, { token: `${TOKEN}x` });
      assert.equal(wrong.status, 401, path);
    }
    assert.equal((await fixture.api().fetch('/metrics')).status, 401);
    assert.equal((await fixture.api().call('/api/rooms', { token: TOKEN })).status, 200);
    assert.match(await fixture.api().metrics(TOKEN), /roomwire_rooms 0/);
  });

  it('keeps health, readiness and the page itself open, for probes and to type the token in', async () => {
    assert.equal((await fixture.api().call('/healthz')).status, 200);
    assert.equal((await fixture.api().call('/readyz')).status, 200);
    assert.equal((await fixture.api().fetch('/admin')).status, 200);
  });
});
