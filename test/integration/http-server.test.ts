import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { HttpServer, sendJson } from '../../src/http/http-server.js';

describe('the HTTP server and its router', () => {
  let http: HttpServer;
  let base: string;
  before(async () => {
    http = new HttpServer({ host: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }) });
    http.route('GET', '/things/:name', (_request, response, params) =>
      sendJson(response, 200, { name: params.name }),
    );
    http.route('POST', '/things/:name', (_request, response) => sendJson(response, 201, {}));
    http.route('GET', '/broken', () => {
      throw new Error('boom');
    });
    base = `http://127.0.0.1:${await http.listen()}`;
  });
  after(() => http.close());

  it('matches path parameters, decoded', async () => {
    const response = await fetch(`${base}/things/a%20b`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { name: 'a b' });
  });

  it('answers 404 with a JSON body for an unknown path', async () => {
    const response = await fetch(`${base}/nothing/here`);
    assert.equal(response.status, 404);
    assert.match(((await response.json()) as { error: string }).error, /no such path/);
  });

  it('answers 405 for a known path with another method', async () => {
    const response = await fetch(`${base}/things/x`, { method: 'DELETE' });
    assert.equal(response.status, 405);
  });

  it('answers 500 with a JSON body when a handler throws, and keeps serving', async () => {
    const response = await fetch(`${base}/broken`);
    assert.equal(response.status, 500);
    assert.deepEqual(await response.json(), { error: 'internal error' });
    assert.equal((await fetch(`${base}/things/y`)).status, 200);
  });
});
