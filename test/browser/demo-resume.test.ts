import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type ClientEvents, type RoomwireClient } from '../../src/client/index.js';
import {
  joinDemo,
  launchBrowser,
  outputDir,
  showsText,
  type TestBrowser,
} from '../helpers/browser.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const ROOM = 'resume-room';

describe('the demo page through a connection cut (issue #13)', { timeout: 60_000 }, () => {
  let server: TestServer;
  let proxy: TcpProxy;
  let browser: TestBrowser;
  let bot: RoomwireClient | undefined;

  before(async () => {
    server = await startTestServer();
    // The page is loaded through the proxy, so its WebSocket (to its own host) goes through it.
    proxy = await TcpProxy.start(server.httpPort);
    browser = await launchBrowser();
  });
  after(async () => {
    await bot?.close();
    await browser?.close();
    await proxy?.close();
    await server?.stop();
  });

  it('resumes after a reset: the same id, no leave for the others, the lines sent meanwhile', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    // Through the proxy: the page's WebSocket goes to the host the page came from. Loaded from
    // the server's own port, its WebSocket would bypass the proxy and never see the cut.
    await joinDemo(page, `http://127.0.0.1:${proxy.port}/`, 'Alice', ROOM);
    const status = (await page.textContent('#status')) ?? '';
    const aliceId = Number(/#(\d+)/.exec(status)?.[1]);
    assert.ok(Number.isInteger(aliceId), status);

    bot = await connect({ host: '127.0.0.1', port: server.port });
    await bot.login('node-bot', 'pw');
    const view = await bot.join(ROOM);
    assert.deepEqual(view.members, [aliceId, bot.clientId]);
    const seen: string[] = [];
    bot.on('left', ({ clientId }) => seen.push(`left ${clientId}`));
    bot.on('joined', ({ clientId }) => seen.push(`joined ${clientId}`));
    bot.on('message', ({ senderId, payload }) => seen.push(`${senderId}: ${payload}`));
    bot.send(2, JSON.stringify({ t: 'hello', name: 'node-bot' }));
    await showsText(page, '#members', 'node-bot');
    // The page greets the newcomer with its name; from here on the bot should see nothing but
    // what the page says after the cut.
    const deadline = Date.now() + 5000;
    while (!seen.some((event) => event.includes('"t":"name"')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(seen, [`${aliceId}: ${JSON.stringify({ t: 'name', name: 'Alice' })}`]);
    seen.length = 0;

    // The cut: both sides get a reset, the server sees its WebSocket break (1006), and the
    // page's reconnect attempts are reset too until the network is back.
    proxy.setMode('refuse');
    proxy.resetAll();
    await showsText(page, '#status', 'reconnecting', 10_000);
    const ordered = new Promise<void>((resolve) =>
      bot?.on('message', ({ payload }) => payload.includes('while away 3') && resolve()),
    );
    for (let index = 1; index <= 3; index += 1) {
      bot.send(3, JSON.stringify({ t: 'chat', text: `while away ${index}` }));
    }
    // Mode 3 comes back to its sender: the server has ordered all three while the page is away.
    await ordered;
    proxy.setMode('forward');
    // Back as itself: the same id, in the room, with what was sent meanwhile, in order.
    await showsText(page, '#status', `Alice (#${aliceId}) in ${ROOM}`, 10_000);
    await showsText(page, '#log', 'node-bot: while away 3');
    const log = (await page.textContent('#log')) ?? '';
    const order = [1, 2, 3].map((index) => log.indexOf(`node-bot: while away ${index}`));
    assert.ok(
      order.every((at, index) => at > (order[index - 1] ?? -1)),
      log,
    );
    // `reconnected` comes after the missed lines, though each came in a message of its own.
    assert.ok(log.indexOf('connection resumed, 3 missed lines caught up') > (order[2] ?? 0), log);

    // Alice's chat after the resume reaches the bot from the same id.
    const fromAlice = new Promise<ClientEvents['message']>((resolve) =>
      bot?.on('message', (message) => message.payload.includes('back again') && resolve(message)),
    );
    await page.fill('#message', 'back again');
    await page.press('#message', 'Enter');
    assert.equal((await fromAlice).senderId, aliceId);
    assert.deepEqual(
      seen.filter((event) => !event.startsWith(`${bot?.clientId ?? -1}:`)),
      [`${aliceId}: ${JSON.stringify({ t: 'chat', text: 'back again' })}`],
      'the bot saw no leave, no join and no second hello from the page',
    );
    assert.deepEqual(bot.room?.members, [aliceId, bot.clientId]);
    assert.equal(bot.room?.masterId, aliceId, 'Alice kept the master role');
    await showsText(page, '#master', 'master: Alice');

    await page.screenshot({ path: join(await outputDir('demo-resume'), 'demo-resume.png') });
    assert.deepEqual(problems, []);
  });
});
