import { after, before } from 'node:test';
import { AdminClient } from './admin-http.js';
import { LineClient } from './line-client.js';
import { startTestServer, type TestServer } from './test-server.js';

/** The admin token of the admin tests: long enough for the config's rule. */
export const TOKEN = 'test-admin-token-0123456789abcdef';

/**
 * A server with an admin token (unless `settings` say otherwise) for one `describe` block, and
 * the clients it opened, closed after it.
 */
export function useAdminServer(settings: Record<string, unknown> = { adminToken: TOKEN }) {
  let running: TestServer | undefined;
  const open: { close(): void }[] = [];
  before(async () => {
    running = await startTestServer(settings);
  });
  after(async () => {
    for (const client of open) client.close();
    await running?.stop();
  });
  const server = (): TestServer => {
    if (running === undefined) throw new Error('the test server is not running');
    return running;
  };
  return {
    server,
    api: () => AdminClient.forPort(server().httpPort),
    /** Logs in `name` and joins `room`, reading the join's answers. */
    async member(name: string, room?: string): Promise<{ client: LineClient; id: number }> {
      const joined = await LineClient.login(server().port, name);
      open.push(joined.client);
      if (room !== undefined) {
        joined.client.send(`2:${room}`);
        await joined.client.next();
        await joined.client.quiet(50);
      }
      return joined;
    },
    track<T extends { close(): void }>(client: T): T {
      open.push(client);
      return client;
    },
  };
}
