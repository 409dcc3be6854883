import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Authenticator } from '../../src/auth/authenticator.js';
import { AdminClient, eventually } from '../helpers/admin-http.js';
import { LineClient } from '../helpers/line-client.js';
import { metricValue } from '../helpers/metrics-text.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** Throws (instead of resolving) for one user: a realistic bug in a custom authenticator. */
const brokenForCrash: Authenticator = {
  verify(username) {
    if (username === 'crash') throw new Error('authenticator bug');
    return Promise.resolve(true);
  },
};

describe('an exception while handling one connection', { timeout: 20_000 }, () => {
  let server: TestServer;
  const logs: Record<string, unknown>[] = [];
  const clients: LineClient[] = [];
  before(async () => {
    server = await startTestServer({}, brokenForCrash, {
      onLog: (entry) => logs.push(entry),
      logLevel: 'info',
    });
  });
  after(async () => {
    for (const client of clients) client.close();
    await server.stop();
  });

  it('closes only that connection with 9:internal, logged with context, and the server goes on', async () => {
    const bystander = await LineClient.login(server.port, 'bystander');
    const other = await LineClient.login(server.port, 'other');
    clients.push(bystander.client, other.client);
    for (const { client } of [bystander, other]) await client.joinRoom('room');
    await bystander.client.next();
    const victim = await LineClient.connect(server.port);
    clients.push(victim);
    victim.send('0:crash:secret-password');
    assert.equal(await victim.next(), '9:internal:internal error');
    await victim.waitClosed();

    other.client.send('3:0:still working');
    assert.equal(await bystander.client.next(), `3:${other.id}:still working`);

    const entry = logs.find((log) => log.msg === 'internal error');
    assert.ok(entry !== undefined, 'the error was logged');
    assert.equal(entry.command, '0');
    assert.equal(entry.input, 'line');
    assert.equal(typeof entry.connId, 'number');
    assert.ok(!JSON.stringify(logs).includes('secret-password'), 'the password is never logged');
    const disconnect = logs.find((log) => log.msg === 'disconnect' && log.connId === entry.connId);
    assert.equal(disconnect?.reason, 'internal');
  });

  it('counts internal errors, unhandled rejections and disconnects by reason in the metrics', async () => {
    server.server.unhandledRejection(new Error('a stray promise'));
    const api = AdminClient.forPort(server.httpPort);
    await eventually(async () => {
      const text = await api.metrics();
      assert.equal(metricValue(text, 'roomwire_internal_errors_total'), 1);
      assert.equal(metricValue(text, 'roomwire_unhandled_rejections_total'), 1);
      assert.equal(
        metricValue(text, 'roomwire_disconnects_total', { transport: 'tcp', reason: 'internal' }),
        1,
      );
    });
    assert.ok(logs.some((log) => log.msg === 'unhandled rejection'));
  });
});
