import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, type AdminClient } from '../helpers/admin-http.js';
import { TOKEN, useAdminServer } from '../helpers/admin-server.js';
import { metricValue } from '../helpers/metrics-text.js';

/** One `snapshot` event of the live feed, as the dashboard reads it. */
interface Snapshot {
  readonly time: number;
  readonly history?: { t: number; in: number; out: number }[];
  readonly sample?: { t: number; in: number; out: number };
  readonly totals: { clients: number; rooms: number; messagesOut: number };
  readonly actionsEnabled: boolean;
  readonly roomCount: number;
  readonly rooms: { name: string; memberCount: number; masterId: number }[];
}

/** Follows `/api/events` as the dashboard does: fetch, a token header, events split by hand. */
async function openFeed(api: AdminClient, token?: string) {
  const controller = new AbortController();
  const response = await fetch(`${api.base}/api/events`, {
    signal: controller.signal,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    /** The next snapshot event; comments and `retry:` lines are skipped. */
    async next(): Promise<Snapshot> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (data !== undefined) return JSON.parse(data.slice(6)) as Snapshot;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the feed ended');
        buffer += decoder.decode(value, { stream: true });
      }
    },
    close: () => controller.abort(),
  };
}

describe('the live feed', { timeout: 20_000 }, () => {
  const fixture = useAdminServer({ adminToken: TOKEN, maxFeedSubscribers: 2 });

  it('starts with the rate history and the state, then pushes a snapshot every second', async () => {
    const feed = await openFeed(fixture.api());
    const first = await feed.next();
    assert.ok(Array.isArray(first.history));
    assert.equal(first.actionsEnabled, true);
    assert.deepEqual(first.rooms, []);
    assert.equal(first.roomCount, 0);
    const started = Date.now();
    const second = await feed.next();
    assert.ok(Date.now() - started < 1500, 'within about a second');
    assert.equal(second.history, undefined, 'the history comes once');
    assert.equal(typeof second.sample?.out, 'number');
    feed.close();
  });

  it('shows a room a client joins, without asking again', async () => {
    const feed = await openFeed(fixture.api());
    await feed.next();
    const alice = await fixture.member('alice', 'arena');
    let snapshot = await feed.next();
    while (snapshot.rooms.length === 0) snapshot = await feed.next();
    assert.deepEqual(
      snapshot.rooms.map((room) => [room.name, room.memberCount, room.masterId]),
      [['arena', 1, alice.id]],
    );
    assert.equal(snapshot.totals.rooms, 1);
    feed.close();
  });

  it('counts its subscribers, forgets one that leaves, and refuses more than the limit', async () => {
    const subscribers = async () =>
      metricValue(await fixture.api().metrics(), 'roomwire_live_feed_subscribers');
    await eventually(async () => assert.equal(await subscribers(), 0));
    const one = await openFeed(fixture.api());
    const two = await openFeed(fixture.api());
    assert.equal(await subscribers(), 2);
    const refused = await fixture.api().call('/api/events');
    assert.equal(refused.status, 503);
    assert.match(String(refused.body.error), /subscribers/);
    one.close();
    await eventually(async () => assert.equal(await subscribers(), 1));
    const three = await openFeed(fixture.api());
    await three.next();
    two.close();
    three.close();
    await eventually(async () => assert.equal(await subscribers(), 0));
  });

  it('ends every stream when the server stops', async () => {
    const feed = await openFeed(fixture.api());
    await feed.next();
    await fixture.server().stop();
    await assert.rejects(async () => {
      for (;;) await feed.next();
    });
  });
});
