import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium; `scripts/ensure-test-deps.sh` installs it when missing. */
export const CHROMIUM_PATH = process.env.ROOMWIRE_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Flags for headless Chromium on these machines: no sandbox (root), and no background traffic,
 * which this closed network refuses.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless Chromium; playwright gives it a fresh temporary profile. */
export interface TestBrowser {
  readonly browser: Browser;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Launches Debian's Chromium through playwright-core. */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
  return {
    browser,
    newPage: () => browser.newPage(),
    close: () => browser.close(),
  };
}

/** Where a test saves screenshots and other artefacts: `test-output/<name>/`, created. */
export async function outputDir(name: string): Promise<string> {
  const dir = join(process.cwd(), 'test-output', name);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** The little of the DOM that the functions run in pages use: the project has no DOM types. */
interface PageWindow {
  readonly document: {
    querySelector(selector: string): { readonly textContent: string | null } | null;
  };
}

/** Waits until the page's text at `selector` contains `text`. */
export async function showsText(
  page: Page,
  selector: string,
  text: string,
  timeout = 5000,
): Promise<void> {
  await page.waitForFunction(
    ([where, what]) =>
      (globalThis as unknown as PageWindow).document
        .querySelector(where ?? '')
        ?.textContent?.includes(what ?? ''),
    [selector, text],
    { timeout },
  );
}

/** Opens the demo at `url` in `page` and joins `room` as `name`, as a person would. */
export async function joinDemo(page: Page, url: string, name: string, room: string): Promise<void> {
  await page.goto(url);
  await page.fill('#name', name);
  await page.fill('#room', room);
  await page.click('#join');
  await page.waitForSelector('#leave:not([disabled])');
}
