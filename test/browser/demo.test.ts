import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { connect, type ClientEvents, type RoomwireClient } from '../../src/client/index.js';
import {
  joinDemo,
  launchBrowser,
  outputDir,
  showsText,
  type TestBrowser,
} from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const ROOM = 'demo-room';

/**
 * The little of the DOM that the functions run in the pages use: the project compiles without
 * DOM types. They reach it as `(globalThis as unknown as Window).document`, a cast only.
 */
interface Window {
  readonly document: {
    querySelector(selector: string): {
      readonly textContent: string | null;
      readonly dataset: Readonly<Record<string, string | undefined>>;
    } | null;
    querySelectorAll(selector: string): { readonly length: number };
  };
}

/** Opens the demo, joins ROOM as `name`, and collects what the page reports as broken. */
async function openDemo(
  browser: TestBrowser,
  url: string,
  name: string,
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`${name}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${name}: ${message.text()}`);
  });
  await joinDemo(page, url, name, ROOM);
  return { page, problems };
}

/** Resolves with the payload of the next message the Node client receives that passes `accept`. */
function nodeReceives(
  client: RoomwireClient,
  accept: (message: ClientEvents['message']) => boolean,
): Promise<ClientEvents['message']> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the Node client got no such message')), 5000);
    const off = client.on('message', (message) => {
      if (!accept(message)) return;
      clearTimeout(timer);
      off();
      resolve(message);
    });
  });
}

const json = (message: ClientEvents['message']): Record<string, unknown> => {
  try {
    return JSON.parse(message.payload) as Record<string, unknown>;
  } catch {
    return {};
  }
};

describe('the demo page in Chromium', { timeout: 60_000 }, () => {
  let server: TestServer;
  let browser: TestBrowser;
  let bot: RoomwireClient | undefined;

  before(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await bot?.close();
    await browser?.close();
    await server?.stop();
  });

  it('lets two pages and a TCP client see each other, and shows the new master', async () => {
    const base = `http://127.0.0.1:${server.httpPort}`;
    const alice = await openDemo(browser, `${base}/`, 'Alice');
    await showsText(alice.page, '#master', 'Alice');
    const bob = await openDemo(browser, `${base}/demo`, 'Bob');
    await showsText(bob.page, '#members', 'Alice');

    bot = await connect({ host: '127.0.0.1', port: server.port });
    await bot.login('node-bot', 'pw');
    const view = await bot.join(ROOM);
    assert.equal(view.members.length, 3);
    const [aliceId, bobId] = view.members;
    bot.send(2, JSON.stringify({ t: 'hello', name: 'node-bot' }));
    for (const { page } of [alice, bob]) await showsText(page, '#members', 'node-bot');

    // Each one's chat reaches the other two.
    const fromAlice = nodeReceives(bot, (message) => json(message).text === 'hi from Alice');
    await alice.page.fill('#message', 'hi from Alice');
    await alice.page.press('#message', 'Enter');
    await showsText(bob.page, '#log', 'Alice: hi from Alice');
    assert.equal((await fromAlice).senderId, aliceId);

    const fromBob = nodeReceives(bot, (message) => json(message).text === 'hi from Bob');
    await bob.page.fill('#message', 'hi from Bob');
    await bob.page.click('#send');
    await showsText(alice.page, '#log', 'Bob: hi from Bob');
    assert.equal((await fromBob).senderId, bobId);

    bot.send(3, JSON.stringify({ t: 'chat', text: 'hi from Node' }));
    bot.send(0, 'plain text from a TCP client');
    for (const { page } of [alice, bob]) {
      await showsText(page, '#log', 'node-bot: hi from Node');
      await showsText(page, '#log', 'node-bot: plain text from a TCP client');
    }

    // The canvas: Alice's cursor (unordered) and click (ordered) reach Bob and the bot.
    const cursor = nodeReceives(bot, (message) => json(message).t === 'cursor');
    const click = nodeReceives(bot, (message) => json(message).t === 'click');
    const box = await alice.page.locator('#canvas').boundingBox();
    assert.ok(box !== null);
    await alice.page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
    await alice.page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await bob.page.waitForFunction(() => {
      const canvas = (globalThis as unknown as Window).document.querySelector('#canvas');
      return canvas?.dataset.dots === '1' && canvas.dataset.cursors === '1';
    });
    assert.equal((await cursor).senderId, aliceId);
    const { x, y } = json(await click);
    assert.ok(Math.abs(Number(x) - 0.5) < 0.01 && Math.abs(Number(y) - 0.5) < 0.01, `${x},${y}`);

    // The master leaves: Bob, present longest now, is master for everyone.
    const master = new Promise<ClientEvents['master']>((resolve) => bot?.once('master', resolve));
    await alice.page.click('#leave');
    assert.equal((await master).masterId, bobId);
    await showsText(bob.page, '#master', 'master: Bob');
    await showsText(bob.page, '#log', 'Bob is master now');
    await bob.page.waitForFunction(
      () => (globalThis as unknown as Window).document.querySelectorAll('#members li').length === 2,
    );
    assert.equal(await bob.page.getAttribute('#master', 'data-id'), String(bobId));

    // The bot's cursor shows on Bob's canvas too, for the screenshot.
    bot.send(0, JSON.stringify({ t: 'cursor', x: 0.72, y: 0.3 }));
    await bob.page.waitForFunction(
      () =>
        (globalThis as unknown as Window).document.querySelector('#canvas')?.dataset.cursors ===
        '1',
    );
    const screenshot = join(await outputDir('demo'), 'demo.png');
    await bob.page.screenshot({ path: screenshot, fullPage: true });
    assert.deepEqual([...alice.problems, ...bob.problems], []);
  });

  it('cuts a long name with an ellipsis inside its card, the whole name in its title', async () => {
    const base = `http://127.0.0.1:${server.httpPort}`;
    const carol = await openDemo(browser, `${base}/`, 'Carol');
    const long = await connect({ host: '127.0.0.1', port: server.port });
    try {
      await long.login('long', 'pw');
      await long.join(ROOM);
      // The page keeps 32 characters of a name; on a phone's width that is wider than the card.
      await carol.page.setViewportSize({ width: 360, height: 800 });
      const name = 'W'.repeat(32);
      long.send(2, JSON.stringify({ t: 'hello', name: `${name}${'x'.repeat(200)}` }));
      await showsText(carol.page, '#members', name);
      const label = carol.page.locator('#members li .member-name', { hasText: name });
      assert.equal(await label.getAttribute('title'), `${name} (#${long.clientId})`);
      const cut = await label.evaluate((element) => {
        const node = element as unknown as {
          scrollWidth: number;
          clientWidth: number;
          getBoundingClientRect(): { right: number };
          closest(selector: string): { getBoundingClientRect(): { right: number } } | null;
        };
        const card = node.closest('#members');
        const page = globalThis as unknown as {
          innerWidth: number;
          document: { documentElement: { scrollWidth: number } };
        };
        return {
          scrolls: page.document.documentElement.scrollWidth > page.innerWidth,
          clipped: node.scrollWidth > node.clientWidth,
          inside:
            card !== null &&
            node.getBoundingClientRect().right <= card.getBoundingClientRect().right,
          overflow: (
            globalThis as unknown as { getComputedStyle(e: unknown): { textOverflow: string } }
          ).getComputedStyle(element).textOverflow,
        };
      });
      assert.deepEqual(cut, { scrolls: false, clipped: true, inside: true, overflow: 'ellipsis' });
      assert.deepEqual(carol.problems, []);
    } finally {
      await long.close();
      await carol.page.close();
    }
  });
});
