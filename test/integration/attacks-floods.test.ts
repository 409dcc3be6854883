import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../helpers/admin-http.js';
import { besideControlGroup } from '../helpers/control-group.js';
import { LineClient } from '../helpers/line-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const MAX_CONNECTIONS = 20;
/** The control group's connections: five over TCP, one over WebSocket. */
const CONTROL_CONNECTIONS = 6;
const FLOOD = 60;

describe('attack: connection flood', { timeout: 30_000 }, () => {
  let server: TestServer | undefined;
  const open: LineClient[] = [];
  before(async () => {
    server = await startTestServer({ maxConnections: MAX_CONNECTIONS });
  });
  after(async () => {
    for (const client of open) client.close();
    await server?.stop();
  });

  it('refuses connections past maxConnections with 9:server_full, wave after wave', async () => {
    const running = server ?? assert.fail('no server');
    await besideControlGroup(running, async () => {
      for (let wave = 0; wave < 3; wave += 1) {
        const flood = await Promise.all(
          Array.from({ length: FLOOD }, () => LineClient.connect(running.port)),
        );
        open.push(...flood);
        await eventually(() => {
          const refused = flood.filter((client) => client.closed);
          assert.equal(refused.length, FLOOD - (MAX_CONNECTIONS - CONTROL_CONNECTIONS));
          for (const client of refused) assert.match(client.lines[0] ?? '', /^9:server_full:/);
        });
        // The ones let in are served like anyone else.
        const admitted = flood.filter((client) => !client.closed);
        for (const [index, client] of admitted.entries()) client.send(`0:flood${index}:pw`);
        await eventually(() => {
          for (const client of admitted) assert.match(client.lines[0] ?? '', /^0:\d+$/);
        });
        for (const client of flood) client.close();
        await eventually(() =>
          assert.equal(running.server.relay.sessions().length, CONTROL_CONNECTIONS),
        );
      }
    });
    // With the flood gone, a newcomer gets in.
    const late = await LineClient.login(running.port, 'late');
    open.push(late.client);
    assert.ok(late.id > 0);
  });
});
