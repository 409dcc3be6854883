import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { TOKEN } from '../helpers/admin-server.js';
import { launchBrowser, outputDir, type TestBrowser } from '../helpers/browser.js';
import { LineClient } from '../helpers/line-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('the admin dashboard in Chromium', { timeout: 60_000 }, () => {
  let server: TestServer;
  let browser: TestBrowser;
  let page: Page;
  const problems: string[] = [];
  const clients: LineClient[] = [];
  let traffic: NodeJS.Timeout | undefined;

  before(async () => {
    server = await startTestServer({ adminToken: TOKEN });
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    // Script errors and content-security-policy violations both show up here.
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
  });
  after(async () => {
    clearInterval(traffic);
    for (const client of clients) client.close();
    await browser?.close();
    await server?.stop();
  });

  async function member(name: string, room: string): Promise<{ client: LineClient; id: number }> {
    const joined = await LineClient.login(server.port, name);
    clients.push(joined.client);
    joined.client.send(`2:${room}`);
    await joined.client.next();
    return joined;
  }

  it('goes live, and shows a room as soon as a TCP client joins it, without a reload', async () => {
    await page.goto(`http://127.0.0.1:${server.httpPort}/admin`);
    await page.locator('#status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#rooms tr').count(), 0);
    assert.equal(await page.locator('#rooms-empty').isVisible(), true);
    const alice = await member('alice', 'physics-lab');
    const row = page.locator('#rooms tr[data-room="physics-lab"]');
    await row.waitFor({ timeout: 5000 });
    assert.deepEqual(await row.locator('td').allTextContents(), ['physics-lab', '1', 'alice', '›']);
    assert.ok(alice.id > 0);
    assert.equal(await page.locator('#rooms-empty').isVisible(), false);
    assert.equal(await page.locator('#t-rooms').textContent(), '1');
  });

  it('shows a clicked room’s members with the master, and a second room’s count live', async () => {
    const bob = await member('bob', 'physics-lab');
    await member('carol', 'chemistry');
    await member('dave', 'chemistry');
    await member('erin', 'chemistry');
    const chemistry = page.locator('#rooms tr[data-room="chemistry"] td').nth(1);
    await chemistry.filter({ hasText: '3' }).waitFor({ timeout: 5000 });
    // The Master column names the master (issue 14), not its id.
    const master = page.locator('#rooms tr[data-room="chemistry"] td').nth(2);
    assert.equal(await master.textContent(), 'carol');
    await page.locator('#rooms tr[data-room="physics-lab"]').click();
    await page.locator('#members tr').nth(1).waitFor({ timeout: 5000 });
    const names = await page.locator('#members tr td:nth-child(2)').allTextContents();
    assert.deepEqual(names, ['alicemaster', 'bob']);
    assert.equal(await page.locator('#members button').count(), 0, 'no actions without a token');
    assert.equal(await page.locator('#room-actions').isVisible(), false);
    // Steady traffic for the chart and the per-member counters, until the screenshot is taken.
    let tick = 0;
    traffic = setInterval(() => bob.client.send(`3:1:tick ${tick++}`), 25);
    await page.waitForTimeout(2200);
  });

  it('kicks a member with the token typed in, and saves a screenshot', async () => {
    await page.locator('#token').fill(TOKEN);
    await page.locator('#token-form button[type=submit]').click();
    await page.locator('#status', { hasText: 'live' }).waitFor();
    await page.locator('#rooms tr[data-room="physics-lab"]').click();
    const kick = page.locator('#members button[data-kick]').last();
    await kick.waitFor({ timeout: 5000 });
    assert.equal(await page.locator('#room-actions').isVisible(), true);
    await page.waitForTimeout(1100);
    const dir = await outputDir('dashboard');
    const screenshot = join(dir, 'dashboard.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    clearInterval(traffic);

    const bob = clients[1] as LineClient;
    await page.locator('#reason').fill('time is up');
    await kick.click();
    assert.equal(await kick.textContent(), 'Sure?', 'the first click only asks');
    await kick.click();
    await bob.waitClosed();
    assert.ok(bob.lines.includes('9:kicked:time is up'), JSON.stringify(bob.lines));
    await page.locator('#notice', { hasText: 'Kicked client' }).waitFor();
    await page
      .locator('#rooms tr[data-room="physics-lab"] td')
      .nth(1)
      .filter({ hasText: /^1$/ })
      .waitFor();
    assert.deepEqual(problems, []);
  });
});
