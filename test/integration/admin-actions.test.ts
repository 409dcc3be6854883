import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TOKEN, useAdminServer } from '../helpers/admin-server.js';

describe('admin actions: kicking a client', () => {
  const fixture = useAdminServer();

  it('sends the client 9:kicked with the reason and closes it; its room sees the leave and the new master', async () => {
    const alice = await fixture.member('alice', 'kick-room');
    const bob = await fixture.member('bob', 'kick-room');
    await alice.client.quiet(50);
    const answer = await fixture.api().call(`/api/clients/${alice.id}/kick`, {
      method: 'POST',
      token: TOKEN,
      body: { reason: 'cheating' },
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, {
      kicked: { id: alice.id, username: 'alice', room: 'kick-room' },
    });
    assert.equal(await alice.client.next(), '9:kicked:cheating');
    await alice.client.waitClosed();
    assert.deepEqual(await bob.client.nextLines(2), [`2:${alice.id}:`, `4:${bob.id}`]);
    assert.deepEqual(await bob.client.quiet(100), []);
    const room = await fixture.api().call('/api/rooms/kick-room');
    assert.deepEqual(room.body.memberIds, [bob.id]);
  });

  it('uses the default reason for an empty body, and answers 404 for a client that is gone', async () => {
    const carol = await fixture.member('carol');
    const path = `/api/clients/${carol.id}/kick`;
    assert.equal((await fixture.api().call(path, { method: 'POST', token: TOKEN })).status, 200);
    assert.equal(await carol.client.next(), '9:kicked:removed by an administrator');
    const again = await fixture.api().call(path, { method: 'POST', token: TOKEN });
    assert.equal(again.status, 404);
    assert.match(String(again.body.error), new RegExp(`no logged-in client with id ${carol.id}`));
  });

  it('answers 401 without the token or with a wrong one, and kicks nobody', async () => {
    const dave = await fixture.member('dave');
    const path = `/api/clients/${dave.id}/kick`;
    for (const token of [undefined, TOKEN.slice(0, -1), `${TOKEN}x`, 'short']) {
      const answer = await fixture.api().call(path, {
        method: 'POST',
        ...(token === undefined ? {} : { token }),
      });
      assert.equal(answer.status, 401);
      assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
      assert.equal(typeof answer.body.error, 'string');
    }
    const basic = await fetch(`${fixture.api().base}${path}`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` },
    });
    assert.equal(basic.status, 401);
    await basic.body?.cancel();
    assert.deepEqual(await dave.client.quiet(50), []);
  });

  it('answers 400 for a bad id or body, with a JSON body saying why', async () => {
    const erin = await fixture.member('erin');
    const cases: [string, unknown][] = [
      ['/api/clients/abc/kick', undefined],
      ['/api/clients/-3/kick', undefined],
      ['/api/clients/1.5/kick', undefined],
      [`/api/clients/${erin.id}/kick`, '{not json'],
      [`/api/clients/${erin.id}/kick`, '[1]'],
      [`/api/clients/${erin.id}/kick`, { reason: 7 }],
      [`/api/clients/${erin.id}/kick`, { reason: 'two\nlines' }],
      [`/api/clients/${erin.id}/kick`, { reason: 'x'.repeat(201) }],
      [`/api/clients/${erin.id}/kick`, { reason: 'ok', extra: true }],
      [`/api/clients/${erin.id}/kick`, 'x'.repeat(5000)],
    ];
    for (const [path, body] of cases) {
      const answer = await fixture.api().call(path, { method: 'POST', token: TOKEN, body });
      assert.equal(answer.status, 400, `${path} ${JSON.stringify(body)}`);
      assert.equal(typeof answer.body.error, 'string');
    }
    assert.deepEqual(await erin.client.quiet(50), [], 'erin is still connected and untouched');
    assert.equal(erin.client.closed, false);
  });

  it('answers 405 for a read of an action path', async () => {
    const answer = await fixture.api().call('/api/clients/1/kick');
    assert.equal(answer.status, 405);
  });
});

describe('admin actions: closing a room', () => {
  const fixture = useAdminServer();

  it('tells every member why, makes each leave as 2:-1 would, youngest first, and removes the room', async () => {
    const members = [
      await fixture.member('m1', 'doomed'),
      await fixture.member('m2', 'doomed'),
      await fixture.member('m3', 'doomed'),
    ];
    const bystander = await fixture.member('b', 'safe');
    for (const { client } of members) await client.quiet(50);
    const answer = await fixture.api().call('/api/rooms/doomed', {
      method: 'DELETE',
      token: TOKEN,
      body: { reason: 'lesson over' },
    });
    assert.equal(answer.status, 200);
    const ids = members.map((member) => member.id);
    assert.deepEqual(answer.body, { closed: { name: 'doomed', memberIds: ids } });
    for (const [index, { client, id }] of members.entries()) {
      // Ordinary leaves, youngest first: a member sees those younger than itself, then its own.
      const younger = ids.slice(index + 1).reverse();
      assert.deepEqual(await client.nextLines(2 + younger.length), [
        '9:room_closed:lesson over',
        ...younger.map((other) => `2:${other}:`),
        `2:${id}:`,
      ]);
      assert.deepEqual(await client.quiet(50), []);
      assert.equal(client.closed, false, 'the connection stays open');
    }
    assert.deepEqual(await bystander.client.quiet(50), []);
    assert.equal((await fixture.api().call('/api/rooms/doomed')).status, 404);
    const first = members[0]?.client;
    first?.send('1');
    assert.equal(await first?.next(), '1:safe-1');
  });

  it('answers 404 for an unknown room, 400 for a bad name, 401 without the token', async () => {
    await fixture.member('owner', 'kept');
    const unknown = await fixture.api().call('/api/rooms/none', { method: 'DELETE', token: TOKEN });
    assert.equal(unknown.status, 404);
    const bad = await fixture.api().call('/api/rooms/a%2Cb', { method: 'DELETE', token: TOKEN });
    assert.equal(bad.status, 400);
    const anonymous = await fixture.api().call('/api/rooms/kept', { method: 'DELETE' });
    assert.equal(anonymous.status, 401);
    assert.equal((await fixture.api().call('/api/rooms/kept')).status, 200, 'still there');
  });
});

describe('admin actions: without a configured token', () => {
  const fixture = useAdminServer({});

  it('are off: 403 with a JSON body, whatever token is sent', async () => {
    const alice = await fixture.member('alice', 'room');
    const kick = await fixture.api().call(`/api/clients/${alice.id}/kick`, {
      method: 'POST',
      token: TOKEN,
    });
    assert.equal(kick.status, 403);
    assert.match(String(kick.body.error), /no admin token/);
    const close = await fixture.api().call('/api/rooms/room', { method: 'DELETE' });
    assert.equal(close.status, 403);
    assert.deepEqual(await alice.client.quiet(50), []);
    assert.equal((await fixture.api().call('/api/rooms')).status, 200, 'reads stay open');
  });
});
