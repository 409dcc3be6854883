import assert from 'node:assert/strict';
import { besideControlGroup } from './control-group.js';
import { LineClient } from './line-client.js';
import type { TestServer } from './test-server.js';
import type { WsLineClient } from './ws-line-client.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends `count` messages of `size` bytes from `sender` to its room, `batch` at a time, each
 * batch only after `reader` (a room-mate that reads) received its last message, so the flood
 * goes as fast as the server relays and no faster. `onBatch` runs after every batch.
 */
export async function floodRoom(
  sender: { client: LineClient; id: number },
  reader: LineClient,
  options: {
    readonly count: number;
    readonly size: number;
    readonly batch?: number;
    /** Messages per second at most; as fast as the reader reads when not given. */
    readonly perSecond?: number;
    readonly onBatch?: () => Promise<void> | void;
  },
): Promise<void> {
  const padding = 'x'.repeat(options.size);
  const batch = options.batch ?? 10;
  const started = Date.now();
  for (let first = 0; first < options.count; first += batch) {
    const last = Math.min(first + batch, options.count) - 1;
    for (let index = first; index <= last; index += 1)
      sender.client.send(`3:0:${index}:${padding}`);
    const awaited = `3:${sender.id}:${last}:`;
    while (!(await reader.next(5000)).startsWith(awaited));
    await options.onBatch?.();
    // Timers (flush deadlines, the control group's sends) get their turn.
    const due =
      options.perSecond === undefined ? 0 : started + ((last + 1) * 1000) / options.perSecond;
    await sleep(Math.max(1, due - Date.now()));
  }
}

/**
 * Server settings for tests that fill a reader's queue on purpose with {@link floodRoom}: the
 * byte-rate limit (issue #15, proved in attacks-hardening) would hold such a flood back.
 */
export const QUEUE_FILLING = { byteRateLimitPerSecond: 0 } as const;

/** Server settings of {@link rateFlood}: a small rate, a burst of one second, two strikes. */
export function rateLimitSettings(perSecond: number): Record<string, number> {
  return { rateLimitPerSecond: perSecond, rateLimitBurst: perSecond, rateLimitMaxStrikes: 2 };
}

type Flooder = { readonly client: LineClient | WsLineClient; readonly id: number };

/**
 * A message-rate flood beside the control group, on a server started with
 * {@link rateLimitSettings}(`perSecond`): `count` flooders (logged in by `login`) and a reader
 * join one room, and every 50 ms each flooder still open sends `burst`, 100 room messages (ten
 * times the limit), for 8 s at most. Asserts every flooder got `9:rate_limited` first and
 * `9:rate_limit_exceeded` last and was closed, and that what the reader got of it is more than
 * nothing and no more than the burst plus the rate over the time. Returns the flooders.
 */
export async function rateFlood(
  running: TestServer,
  options: {
    readonly perSecond: number;
    readonly count: number;
    login(index: number): Promise<Flooder>;
    burst(client: Flooder['client']): void;
    track(...clients: { close(): void }[]): void;
  },
): Promise<readonly Flooder[]> {
  const reader = await LineClient.login(running.port, 'reader');
  options.track(reader.client);
  await reader.client.joinRoom('spam');
  const flooders = await Promise.all(Array.from({ length: options.count }, options.login));
  options.track(...flooders.map((flooder) => flooder.client));
  for (const { client } of flooders) await client.joinRoom('spam');
  const started = Date.now();
  await besideControlGroup(running, async () => {
    while (flooders.some(({ client }) => !client.closed) && Date.now() - started < 8000) {
      for (const { client } of flooders) if (!client.closed) options.burst(client);
      await sleep(50);
    }
  });
  const seconds = (Date.now() - started) / 1000;
  for (const { client, id } of flooders) {
    assert.equal(client.closed, true, `flooder ${id} was never closed`);
    assert.match(client.lines.find((line) => line.startsWith('9:')) ?? '', /^9:rate_limited:/);
    assert.match(client.lines.at(-1) ?? '', /^9:rate_limit_exceeded:/);
    // What got through is what the bucket allows: a burst plus the rate, not the flood.
    const relayed = reader.client.lines.filter((line) => line === `3:${id}:spam`).length;
    assert.ok(relayed > 0, `nothing of flooder ${id} was relayed: not the limit at work`);
    const allowed = options.perSecond + options.perSecond * seconds;
    assert.ok(relayed <= allowed, `${relayed} relayed in ${seconds} s, over ${allowed}`);
  }
  return flooders;
}
