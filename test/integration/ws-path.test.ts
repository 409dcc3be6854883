import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('GET /ws without a WebSocket upgrade', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('says it is the WebSocket endpoint (426), and a WebSocket still connects there', async () => {
    const response = await fetch(`http://127.0.0.1:${server.httpPort}/ws`);
    assert.equal(response.status, 426);
    assert.equal(response.headers.get('upgrade'), 'websocket');
    const body = (await response.json()) as { error: string };
    assert.match(body.error, /WebSocket endpoint/);
    assert.doesNotMatch(body.error, /no such path/);
    const socket = new WebSocket(`ws://127.0.0.1:${server.httpPort}/ws`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send('0:ws-user:x');
    const answer = await new Promise<string>((resolve) =>
      socket.once('message', (data: Buffer) => resolve(data.toString())),
    );
    assert.match(answer, /^0:\d+/);
    socket.close();
  });
});
