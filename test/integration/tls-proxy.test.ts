/**
 * The nginx snippet of docs/deploy.md, run as written in front of a real server: nginx
 * terminates TLS, forwards the WebSocket upgrade on /ws and the pages, and keeps the admin paths
 * internal. Only what a test must change is changed: the listen address (a free port on
 * 127.0.0.1), the certificate (a fresh self-signed one) and the upstream port.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/cli-process.js';
import { LineClient } from '../helpers/line-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { WsLineClient } from '../helpers/ws-line-client.js';

const DEPLOY_DOC = fileURLToPath(new URL('../../../docs/deploy.md', import.meta.url));
const ORIGIN = 'https://game.example';
/** Debian puts nginx in /usr/sbin, which a user's PATH may lack. */
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

/** The ```nginx block of docs/deploy.md. */
function documentedSnippet(): string {
  const block = /```nginx\n([\s\S]*?)```/.exec(readFileSync(DEPLOY_DOC, 'utf8'))?.[1];
  assert.ok(block !== undefined, 'docs/deploy.md has no nginx snippet');
  return block;
}

/** The snippet with a test's listen port, certificate and upstream; fails if one is not found. */
function adapted(snippet: string, port: number, httpPort: number, dir: string): string {
  const replace = (text: string, pattern: RegExp, by: string): string => {
    assert.match(text, pattern, `the snippet changed: ${pattern} not found`);
    return text.replace(pattern, by);
  };
  let text = replace(snippet, /listen 443 ssl;/, `listen 127.0.0.1:${port} ssl;`);
  text = replace(text, /ssl_certificate +\S+;/, `ssl_certificate ${join(dir, 'cert.pem')};`);
  text = replace(text, /ssl_certificate_key +\S+;/, `ssl_certificate_key ${join(dir, 'key.pem')};`);
  return replace(text, /http:\/\/127\.0\.0\.1:8080/g, `http://127.0.0.1:${httpPort}`);
}

/** A GET over TLS to the proxy, the certificate unchecked (it is self-signed). */
function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(
        { host: '127.0.0.1', port, path, rejectUnauthorized: false, servername: 'game.example' },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        },
      )
      .on('error', reject);
  });
}

async function listening(port: number, nginx: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (nginx.exitCode !== null) assert.fail(`nginx exited: ${log()}`);
    try {
      await get(port, '/healthz');
      return;
    } catch {
      if (Date.now() > deadline) assert.fail(`nginx did not answer on ${port}: ${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('docs/deploy.md: the nginx snippet in front of a real server', { timeout: 60_000 }, () => {
  const hasNginx = spawnSync(NGINX, ['-v']).status === 0;
  let server: TestServer;
  let nginx: ChildProcess;
  let dir: string;
  let port: number;
  let stderr = '';

  before(async () => {
    // scripts/ensure-test-deps.sh installs nginx; under CI its absence is a failure.
    if (!hasNginx) {
      if (process.env.CI !== undefined)
        assert.fail('nginx is missing (scripts/ensure-test-deps.sh)');
      return;
    }
    server = await startTestServer({ wsAllowedOrigins: ORIGIN });
    dir = mkdtempSync(join(tmpdir(), 'roomwire-nginx-'));
    const certificate = spawnSync('openssl', [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj'],
      ...['/CN=game.example', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    ]);
    assert.equal(certificate.status, 0, certificate.stderr.toString());
    port = await freePort();
    const site = adapted(documentedSnippet(), port, server.httpPort, dir);
    // The smallest nginx.conf around the site: in the foreground, everything in `dir`.
    const temp = (name: string): string => `${name} ${join(dir, name.replace(/_path$/, ''))};`;
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        'daemon off;',
        'worker_processes 1;',
        `pid ${join(dir, 'nginx.pid')};`,
        `error_log ${join(dir, 'error.log')} warn;`,
        'events { worker_connections 64; }',
        'http {',
        '  access_log off;',
        ...[
          'client_body_temp_path',
          'proxy_temp_path',
          'fastcgi_temp_path',
          'uwsgi_temp_path',
          'scgi_temp_path',
        ].map((name) => `  ${temp(name)}`),
        site,
        '}',
        '',
      ].join('\n'),
    );
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'pipe' });
    nginx.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await listening(port, nginx, () => stderr + readFileSync(join(dir, 'error.log'), 'utf8'));
  });

  after(async () => {
    if (!hasNginx) return;
    nginx?.kill('SIGQUIT');
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('carries a wss:// client through the upgrade, to the same rooms as a TCP client', async (t) => {
    if (!hasNginx) return t.skip('nginx is not installed');
    const browser = await WsLineClient.connect(0, {
      url: `wss://127.0.0.1:${port}/ws`,
      origin: ORIGIN,
    });
    const browserId = await browser.logIn('browser');
    browser.send('2:lobby');
    assert.deepEqual(await browser.nextLines(2, 5_000), [`2:${browserId}:lobby`, `4:${browserId}`]);
    const { client: native, id: nativeId } = await LineClient.login(server.port, 'native');
    native.send('2:lobby');
    assert.equal(await browser.next(5_000), `2:${nativeId}:lobby`);
    native.send('3:0:over tcp');
    assert.equal(await browser.next(5_000), `3:${nativeId}:over tcp`);
    browser.send('3:0:over wss');
    assert.deepEqual(await native.nextLines(4, 5_000), [
      `2:${nativeId}:lobby`,
      `2:${browserId}:lobby`,
      `4:${browserId}`,
      `3:${browserId}:over wss`,
    ]);
    browser.close();
    native.close();
  });

  it('refuses a page of another origin, as the server does without the proxy', async (t) => {
    if (!hasNginx) return t.skip('nginx is not installed');
    await assert.rejects(
      WsLineClient.connect(0, {
        url: `wss://127.0.0.1:${port}/ws`,
        origin: 'https://evil.example',
      }),
      /upgrade refused: 403/,
    );
  });

  it('serves the demo page and keeps the admin API, dashboard and metrics internal', async (t) => {
    if (!hasNginx) return t.skip('nginx is not installed');
    const page = await get(port, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /<html/i);
    for (const path of ['/api/rooms', '/api/clients', '/metrics', '/admin']) {
      assert.equal((await get(port, path)).status, 403, `${path} reached through the proxy`);
    }
  });
});
