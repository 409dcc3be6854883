import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { AdminAuth, bearerToken } from '../../src/admin/admin-auth.js';
import { LiveFeed } from '../../src/admin/live-feed.js';
import { buildConfig } from '../../src/config/config.js';

const TOKEN = 'unit-test-token-0123456789';

function request(authorization?: string): IncomingMessage {
  return { headers: authorization === undefined ? {} : { authorization } } as IncomingMessage;
}

describe('admin auth', () => {
  it('reads a bearer token, the scheme in any case, nothing else', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bearer  abc '), 'abc');
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken('Bearer a b'), undefined);
    assert.equal(bearerToken('Bearer'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });

  it('turns actions off without a token, and leaves reads open unless asked', () => {
    const auth = new AdminAuth({ token: '', protectReads: false });
    assert.equal(auth.actionsEnabled, false);
    assert.deepEqual(auth.action(request(`Bearer ${TOKEN}`)), {
      ok: false,
      status: 403,
      error: 'admin actions are off: the server has no admin token (--admin-token)',
    });
    assert.deepEqual(auth.read(request()), { ok: true });
  });

  it('accepts only the exact token, for actions and for protected reads', () => {
    const auth = new AdminAuth({ token: TOKEN, protectReads: true });
    assert.deepEqual(auth.action(request(`Bearer ${TOKEN}`)), { ok: true });
    assert.deepEqual(auth.read(request(`Bearer ${TOKEN}`)), { ok: true });
    for (const header of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, TOKEN]) {
      const verdict = auth.action(request(header));
      assert.equal(verdict.ok, false);
      assert.equal(verdict.ok ? 0 : verdict.status, 401);
      assert.equal(auth.read(request(header)).ok, false);
    }
  });

  it('refuses to protect reads with no token, a programmer error', () => {
    assert.throws(() => new AdminAuth({ token: '', protectReads: true }), TypeError);
  });
});

describe('the live feed’s rate history', () => {
  it('samples messages per second from the totals on each tick, kept to its length', () => {
    let now = 10_000;
    const totals = { in: 0, out: 0 };
    const feed = new LiveFeed({
      maxSubscribers: 1,
      totals: () => totals,
      snapshot: () => ({}),
      historyLength: 3,
      now: () => now,
    });
    for (const [inCount, outCount] of [
      [10, 20],
      [30, 80],
      [30, 80],
      [35, 81],
    ] as const) {
      now += 1000;
      totals.in = inCount;
      totals.out = outCount;
      feed.tick();
    }
    assert.deepEqual(feed.history(), [
      { t: 12_000, in: 20, out: 60 },
      { t: 13_000, in: 0, out: 0 },
      { t: 14_000, in: 5, out: 1 },
    ]);
    now += 2000;
    totals.in = 36;
    feed.tick();
    assert.deepEqual(feed.history().at(-1), { t: 16_000, in: 0.5, out: 0 }, 'over two seconds');
    assert.equal(feed.subscriberCount, 0);
  });
});

describe('admin configuration', () => {
  const build = (values: Record<string, unknown>) => buildConfig([{ source: 'test', values }]);

  it('reads adminProtectReads as 0 or 1 from numbers, booleans and the usual words', () => {
    for (const [raw, expected] of [
      [1, 1],
      [0, 0],
      [true, 1],
      ['false', 0],
      ['on', 1],
      [' Yes ', 1],
      ['off', 0],
    ] as const) {
      const config = build({ adminToken: TOKEN, adminProtectReads: raw });
      assert.equal(config.adminProtectReads, expected, String(raw));
    }
    for (const raw of [2, 'maybe', 'constructor', {}]) {
      assert.throws(
        () => build({ adminToken: TOKEN, adminProtectReads: raw }),
        /adminProtectReads/,
      );
    }
  });

  it('refuses protected reads without a token', () => {
    assert.throws(() => build({ adminProtectReads: 1 }), /adminProtectReads.*needs an adminToken/);
  });

  it('refuses a short or spaced token without echoing it', () => {
    for (const token of ['short', 'has a space in it somewhere', 'tab\there-and-long-enough']) {
      assert.throws(
        () => build({ adminToken: token }),
        (error: Error) => /adminToken/.test(error.message) && !error.message.includes(token),
      );
    }
    assert.equal(build({ adminToken: TOKEN }).adminToken, TOKEN);
    assert.equal(build({}).adminToken, '');
  });
});
