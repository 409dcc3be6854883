import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { joinDemo, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { LineClient } from '../helpers/line-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const ROOM = 'flooded';
const FLOOD = 20_000;

/** The little of the DOM the functions run in the page use (the project has no DOM types). */
interface Window {
  readonly document: {
    querySelector(selector: string): { readonly textContent: string | null } | null;
    querySelectorAll(selector: string): { readonly length: number };
  };
}

/** Payloads a hostile peer may send in place of the demo's own messages. */
const HOSTILE = [
  '{"t":"name","name":{"toString":1}}',
  '{"t":"hello","name":42}',
  '{"t":"hello"}',
  '{"t":"chat","text":{"valueOf":1,"toString":1}}',
  '{"t":"cursor","x":"left","y":null}',
  '{"t":"click","x":1e309,"y":-5}',
  'null',
  '[1,2]',
];

describe('the demo page under a flood from one peer', { timeout: 90_000 }, () => {
  let server: TestServer;
  let browser: TestBrowser;
  before(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('keeps showing normal traffic, stays bounded and throws nothing', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await joinDemo(page, `http://127.0.0.1:${server.httpPort}/`, 'Watcher', ROOM);

    const friend = await LineClient.login(server.port, 'friend');
    const flooder = await LineClient.login(server.port, 'flooder');
    for (const { client } of [friend, flooder]) await client.joinRoom(ROOM);
    friend.client.send('3:0:{"t":"hello","name":"Friend"}');
    await page.waitForFunction(() =>
      (globalThis as unknown as Window).document
        .querySelector('#members')
        ?.textContent?.includes('Friend'),
    );

    // The flood: cursors, clicks, chat and hostile payloads, all at once, beside a friend
    // who chats ten times a second.
    const lines: string[] = [];
    for (let index = 0; index < FLOOD; index += 1) {
      const kind = index % 4;
      const payload =
        kind === 0
          ? JSON.stringify({ t: 'cursor', x: (index % 100) / 100, y: 0.5 })
          : kind === 1
            ? JSON.stringify({ t: 'click', x: 0.5, y: (index % 100) / 100 })
            : kind === 2
              ? JSON.stringify({ t: 'chat', text: `flood ${index}` })
              : (HOSTILE[index % HOSTILE.length] ?? '');
      lines.push(`3:0:${payload}`);
    }
    flooder.client.write(`${lines.join('\n')}\n`);
    let chatted = 0;
    const chatter = setInterval(() => {
      chatted += 1;
      friend.client.send(`3:0:{"t":"chat","text":"friend says ${chatted}"}`);
    }, 100);
    try {
      // The page keeps up: what the friend said after the flood shows within seconds.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const said = chatted;
      await page.waitForFunction(
        (text) =>
          (globalThis as unknown as Window).document
            .querySelector('#log')
            ?.textContent?.includes(text),
        `friend says ${said}`,
        { timeout: 15_000 },
      );
    } finally {
      clearInterval(chatter);
    }
    const logLines = await page.evaluate(
      () => (globalThis as unknown as Window).document.querySelectorAll('#log li').length,
    );
    assert.ok(logLines <= 200, `${logLines} chat lines kept`);
    // The flooder never said its name: it is shown as `#id`, not `#id (#id)`.
    const members = await page.textContent('#members');
    assert.match(members ?? '', new RegExp(`#${flooder.id}(?! \\(#)`));
    assert.doesNotMatch(members ?? '', /#(\d+) \(#\1\)/);
    assert.deepEqual(problems, []);
    friend.client.close();
    flooder.client.close();
  });
});
