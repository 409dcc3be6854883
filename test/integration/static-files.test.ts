import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { HttpServer } from '../../src/http/http-server.js';
import { serveStaticDir, serveStaticFile } from '../../src/http/static-files.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('static files on the HTTP port', () => {
  let dir: string;
  let http: HttpServer;
  let base: string;
  let served: string[];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roomwire-static-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<h1>hi</h1>');
    await writeFile(join(dir, 'assets', 'app.js'), 'export {};');
    await writeFile(join(dir, '.secret.txt'), 'no');
    await writeFile(join(dir, 'notes.md'), 'no type known');
    http = new HttpServer({ host: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }) });
    served = serveStaticDir(http, '/site', dir, { headers: { 'x-extra': 'yes' } });
    serveStaticFile(http, '/later.js', join(dir, 'later.js'), { missingHint: 'build it first' });
    base = `http://127.0.0.1:${await http.listen()}`;
  });
  after(async () => {
    await http.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the files found at start, index.html at the prefix, with their types', async () => {
    assert.deepEqual(served.sort(), ['/site', '/site/assets/app.js', '/site/index.html']);
    const page = await fetch(`${base}/site`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(page.headers.get('x-extra'), 'yes');
    assert.equal(await page.text(), '<h1>hi</h1>');
    const script = await fetch(`${base}/site/assets/app.js`);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(await script.text(), 'export {};');
  });

  it('answers HEAD without a body', async () => {
    const response = await fetch(`${base}/site/index.html`, { method: 'HEAD' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-length'), '11');
    assert.equal(await response.text(), '');
  });

  it('serves nothing else: no dotfiles, no unknown types, no way out of the folder', async () => {
    for (const path of ['/site/.secret.txt', '/site/notes.md', '/site/%2e%2e/%2e%2e/etc/passwd']) {
      assert.equal((await fetch(`${base}${path}`)).status, 404, path);
    }
  });

  it('says what to do about a file that is missing, and serves it once it appears', async () => {
    const missing = await fetch(`${base}/later.js`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { error: string }).error, /build it first/);
    await writeFile(join(dir, 'later.js'), '// now');
    assert.equal(await (await fetch(`${base}/later.js`)).text(), '// now');
  });

  it('refuses a file of a type it does not know, at registration', () => {
    assert.throws(() => serveStaticFile(http, '/x', join(dir, 'notes.md')), TypeError);
  });
});

describe('the pages of a running server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('serves the demo at / and /demo and the browser client bundle', async () => {
    const base = `http://127.0.0.1:${server.httpPort}`;
    for (const path of ['/', '/demo', '/demo/demo.js', '/demo/demo.css']) {
      const response = await fetch(`${base}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-security-policy') ?? '', /connect-src 'self'/);
    }
    assert.match(await (await fetch(`${base}/`)).text(), /<title>Roomwire demo<\/title>/);
    const bundle = await fetch(`${base}/roomwire-client.js`);
    assert.equal(bundle.status, 200);
    assert.match(await bundle.text(), /sourceMappingURL=roomwire-client\.js\.map/);
  });
});
