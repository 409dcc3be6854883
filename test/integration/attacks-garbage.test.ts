import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { eventually } from '../helpers/admin-http.js';
import { besideControlGroup } from '../helpers/control-group.js';
import { latin1 } from '../helpers/core-fuzz.js';
import { corpusLines } from '../helpers/fuzz-corpus.js';
import { LineClient } from '../helpers/line-client.js';
import { WsLineClient } from '../helpers/ws-line-client.js';
import { useServerPool } from '../helpers/test-server.js';

const OFFENDERS = 50;

/** Invalid UTF-8 and near-valid commands: the fuzz corpus's hostile lines. */
const NASTY_LINES: readonly Buffer[] = corpusLines().map(({ bytes }) => latin1(`${bytes}\n`));

type Offender = LineClient | WsLineClient;

/**
 * One offender: connects (one in five over WebSocket, where each write is one binary message
 * the server splits into lines like TCP), maybe logs in and joins a room of its own, then spews.
 */
async function offend(ports: { port: number; httpPort: number }, index: number): Promise<Offender> {
  const client =
    index % 5 === 4
      ? await WsLineClient.connect(ports.httpPort)
      : await LineClient.connect(ports.port);
  if (index % 2 === 0) {
    client.send(`0:offender${index}:pw`);
    client.send(`2:junk${index % 5}`);
  }
  for (let round = 0; round < 6; round += 1) {
    const bytes = randomBytes(512 + ((index * 97 + round * 31) % 1024));
    // Some newlines, so that the parser sees many short random lines and not only one long one.
    for (let at = (index + round) % 40; at < bytes.length; at += 17 + (at % 40)) bytes[at] = 10;
    const nasty = NASTY_LINES[(index + round) % NASTY_LINES.length] as Buffer;
    for (const data of [bytes, nasty, Buffer.from(`3:0:${'\u00e9'.repeat(20)}\n`)]) {
      if (client instanceof WsLineClient) client.write(data, true);
      else client.write(data);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return client;
}

describe('attack: garbage from many clients', { timeout: 30_000 }, () => {
  const pool = useServerPool();

  it('answers random bytes, invalid UTF-8 and broken commands from 50 TCP and WebSocket clients without harming others', async () => {
    const running = await pool.start();
    const offenders = await besideControlGroup(running, async () => {
      const started = await Promise.all(
        Array.from({ length: OFFENDERS }, (_, index) => offend(running, index)),
      );
      pool.track(...started);
      // Let the server read everything while the control group keeps talking.
      await new Promise((resolve) => setTimeout(resolve, 500));
      return started;
    });
    // Every offender was answered with errors, and every line it got is a whole server line.
    for (const client of offenders) {
      assert.ok(
        client.lines.some((line) => line.startsWith('9:')),
        `offender got no error line: ${JSON.stringify(client.lines.slice(0, 5))}`,
      );
      for (const line of client.lines) assert.match(line, /^[0-9]:/);
    }
    // The ones still connected are still answered (a list, or not_logged_in before a login).
    const alive = offenders.filter((client) => !client.closed);
    assert.ok(alive.length > 0, 'garbage alone does not close a connection');
    const before = alive.map((client) => client.lines.length);
    for (const client of alive) client.write('\n1\n');
    await eventually(() => {
      alive.forEach((client, index) => {
        const answers = client.lines.slice(before[index]);
        assert.ok(answers.some((line) => /^(1:|9:not_logged_in:)/.test(line)));
      });
    });
    // Once they are gone, nothing of them is left in the core.
    for (const client of offenders) client.close();
    await eventually(() => assert.equal(running.server.relay.sessions().length, 0));
    assert.deepEqual(running.server.relay.rooms(), []);
  });

  it('refuses a 10 MiB line with 9:line_too_long long before the line is written', async () => {
    const running = await pool.start();
    const limit = running.config.maxLineLength;
    const total = 10 * 1024 * 1024;
    const { written, client } = await besideControlGroup(running, async () => {
      const { client: talker } = await LineClient.login(running.port, 'long');
      pool.track(talker);
      talker.write('3:0:');
      const piece = Buffer.alloc(64 * 1024, 0x61);
      let sent = 4;
      while (sent < total && !talker.closed && !talker.lines.some((l) => l.startsWith('9:'))) {
        const ok = await new Promise<boolean>((resolve) =>
          talker.socket.write(piece, (error) => resolve(error == null)),
        );
        if (!ok) break;
        sent += piece.length;
      }
      await talker.waitClosed(5000);
      return { written: sent, client: talker };
    });
    assert.match(client.lines.at(-1) ?? '', /^9:line_too_long:/);
    // The server refused once it held more than the limit, not at the line's end; what was
    // written past that sat in the kernel's socket buffers (a few MiB at most on loopback).
    assert.ok(written < total, `the whole ${total}-byte line was written before the refusal`);
    assert.ok(written < limit + 8 * 1024 * 1024, `${written} bytes written before the refusal`);
  });
});
