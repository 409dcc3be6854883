import { AdminClient } from './admin-http.js';
import { metricValue } from './metrics-text.js';
import type { TestServer } from './test-server.js';

/** Whether the server's core still holds a session of this client. */
export const inCore = (running: TestServer, clientId: number): boolean =>
  running.server.view.sessions().some((session) => session.clientId === clientId);

/** `roomwire_disconnects_total` for one transport and reason, from the admin API's metrics. */
export async function disconnects(
  running: TestServer,
  reason: string,
  transport: 'tcp' | 'websocket' = 'tcp',
): Promise<number> {
  const text = await AdminClient.forPort(running.httpPort).metrics();
  return metricValue(text, 'roomwire_disconnects_total', { transport, reason }) ?? 0;
}
