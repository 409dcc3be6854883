import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LineClient } from '../helpers/line-client.js';
import { useTestServer } from '../helpers/test-server.js';

/** Two logged-in clients in a fresh room, their join lines already read. */
interface Pair {
  readonly a: LineClient;
  readonly b: LineClient;
  readonly aId: number;
  readonly bId: number;
}

describe('TCP framing', { timeout: 20_000 }, () => {
  const server = useTestServer();
  const login = server.login;
  let rooms = 0;

  async function pair(): Promise<Pair> {
    const room = `framing-${(rooms += 1)}`;
    const { client: a, id: aId } = await login('a');
    const { client: b, id: bId } = await login('b');
    a.send(`2:${room}`);
    assert.deepEqual(await a.nextLines(2), [`2:${aId}:${room}`, `4:${aId}`]);
    b.send(`2:${room}`);
    assert.deepEqual(await b.nextLines(3), [`2:${bId}:${room}`, `2:${aId}:${room}`, `4:${aId}`]);
    assert.equal(await a.next(), `2:${bId}:${room}`);
    return { a, b, aId, bId };
  }

  it('assembles a login sent one byte per write', async () => {
    const client = await server.connect();
    await client.writeInPieces('0:slow:pw\n', 1);
    assert.match(await client.next(), /^0:\d+(?::[\w-]+)?$/);
  });

  it('assembles a message sent one byte per write', async () => {
    const { a, b, aId } = await pair();
    await a.writeInPieces('3:0:byte by byte\n', 1);
    assert.equal(await b.next(), `3:${aId}:byte by byte`);
  });

  it('reads several lines coalesced in one write, in order', async () => {
    const { a, b, aId } = await pair();
    a.write('3:0:one\n3:0:two\n3:1:three\n3:0:four\n');
    assert.deepEqual(await b.nextLines(4), [
      `3:${aId}:one`,
      `3:${aId}:two`,
      `3:${aId}:three`,
      `3:${aId}:four`,
    ]);
    assert.equal(await a.next(), `3:${aId}:three`);
    assert.deepEqual(await a.quiet(50), []);
  });

  it('handles a login, a join and a message pipelined in one write', async () => {
    const client = await server.connect();
    client.write('0:carol:pw\n2:pipelined\n3:1:hi\n');
    const [loggedIn = ''] = await client.nextLines(1);
    const id = Number(/^0:(\d+)(?::[\w-]+)?$/.exec(loggedIn)?.[1]);
    assert.ok(id > 0, loggedIn);
    assert.deepEqual(await client.nextLines(3), [`2:${id}:pipelined`, `4:${id}`, `3:${id}:hi`]);
  });

  it('splits lines at random write boundaries without changing them', async () => {
    const { a, b, aId } = await pair();
    const payloads = Array.from({ length: 20 }, (_, index) => `m${index}:${'x'.repeat(index * 7)}`);
    const data = Buffer.from(payloads.map((payload) => `3:0:${payload}\n`).join(''));
    let seed = 7;
    for (let start = 0; start < data.length;) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const size = 1 + (seed % 13);
      await a.writeInPieces(data.subarray(start, start + size), size);
      start += size;
    }
    assert.deepEqual(
      await b.nextLines(payloads.length),
      payloads.map((payload) => `3:${aId}:${payload}`),
    );
  });

  it('strips a carriage return before the newline', async () => {
    const { a, b, aId } = await pair();
    a.write('3:0:windows\r\n3:0:unix\n');
    assert.deepEqual(await b.nextLines(2), [`3:${aId}:windows`, `3:${aId}:unix`]);
  });

  it('accepts a CRLF login', async () => {
    const client = await server.connect();
    client.write('0:crlf:pw\r\n1\r\n');
    assert.match(await client.next(), /^0:\d+(?::[\w-]+)?$/);
    assert.match(await client.next(), /^1:/);
  });

  it('relays UTF-8 payloads byte for byte, also when a character is split between writes', async () => {
    const { a, b, aId } = await pair();
    const payload = 'grüße, 世界 🎮 ok';
    const line = Buffer.from(`3:0:${payload}\n`, 'utf8');
    // One byte per write splits every multi-byte character (2, 3 and 4 bytes long).
    await a.writeInPieces(line, 1);
    assert.equal(await b.next(), `3:${aId}:${payload}`);
    const emoji = line.indexOf(Buffer.from('🎮'));
    a.write(line.subarray(0, emoji + 2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    a.write(line.subarray(emoji + 2));
    assert.equal(await b.next(), `3:${aId}:${payload}`);
    const before = b.socket.bytesRead;
    a.send('3:0:€');
    assert.equal(await b.next(), `3:${aId}:€`);
    assert.equal(b.socket.bytesRead - before, Buffer.byteLength(`3:${aId}:€\n`));
  });

  it('keeps every colon of a payload', async () => {
    const { a, b, aId, bId } = await pair();
    a.send('3:0:a:b::c:');
    assert.equal(await b.next(), `3:${aId}:a:b::c:`);
    a.send(`5:g:${bId}`);
    a.send('4:g:x:y:');
    assert.equal(await b.next(), `3:${aId}:x:y:`);
  });

  it('ignores empty lines without answering them', async () => {
    const { a, b, aId } = await pair();
    a.write('\n\n\r\n\n3:0:after blanks\n\n');
    assert.equal(await b.next(), `3:${aId}:after blanks`);
    assert.deepEqual(await a.quiet(100), []);
    assert.deepEqual(await b.quiet(0), []);
  });
});
