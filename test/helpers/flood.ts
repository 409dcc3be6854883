import type { LineClient } from './line-client.js';

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
