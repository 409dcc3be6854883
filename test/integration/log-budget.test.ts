import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { REFUSAL_LINES_PER_IP } from '../../src/server/refusal-log.js';
import { LineClient } from '../helpers/line-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** A server whose log entries at info and above are kept, to be counted. */
async function loggedServer(): Promise<{ server: TestServer; entries: Record<string, unknown>[] }> {
  const entries: Record<string, unknown>[] = [];
  const server = await startTestServer({}, undefined, {
    logLevel: 'info',
    onLog: (entry) => entries.push(entry),
  });
  return { server, entries };
}

describe('what a peer can make the server log', { timeout: 30_000 }, () => {
  const servers: TestServer[] = [];
  after(() => Promise.all(servers.map((server) => server.stop())));

  it('logs a flood of lines that are not commands once, and counts it at the close', async () => {
    const { server, entries } = await loggedServer();
    servers.push(server);
    // The original VelNet test_client.py: never logs in, sends lines that are not commands.
    const flooder = await LineClient.connect(server.port);
    const FLOOD = 5000;
    flooder.write('not a command\n'.repeat(FLOOD));
    const answers = await flooder.nextLines(FLOOD, 10_000);
    assert.ok(answers.every((line) => line.startsWith('9:malformed:')));
    flooder.socket.end();
    await flooder.waitClosed();
    let disconnect: Record<string, unknown> | undefined;
    for (let wait = 0; wait < 100 && disconnect === undefined; wait += 1) {
      disconnect = entries.find((entry) => entry.msg === 'disconnect');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(disconnect?.refusals, { malformed: FLOOD });
    const refused = entries.filter((entry) => entry.msg === 'refused');
    assert.equal(refused.length, 1);
    assert.ok(entries.length < 10, `${entries.length} log lines for one flooding connection`);
  });

  it('logs each code once per connection, and at most a budget per IP', async () => {
    const { server, entries } = await loggedServer();
    servers.push(server);
    const clients = await Promise.all(
      Array.from({ length: REFUSAL_LINES_PER_IP + 10 }, () => LineClient.connect(server.port)),
    );
    for (const client of clients) {
      client.send('junk');
      client.send('3:0:hello'); // not logged in: a second code
      client.send('junk');
    }
    await Promise.all(clients.map((client) => client.nextLines(3, 5000)));
    const refused = entries.filter((entry) => entry.msg === 'refused');
    assert.equal(refused.length, REFUSAL_LINES_PER_IP);
    const perConnection = new Map<unknown, Set<unknown>>();
    for (const entry of refused) {
      const codes = perConnection.get(entry.connId) ?? new Set();
      assert.ok(!codes.has(entry.code), `code ${String(entry.code)} logged twice`);
      perConnection.set(entry.connId, codes.add(entry.code));
    }
    for (const client of clients) client.socket.destroy();
  });
});
