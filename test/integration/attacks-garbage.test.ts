import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../helpers/admin-http.js';
import { besideControlGroup } from '../helpers/control-group.js';
import { LineClient } from '../helpers/line-client.js';
import { assertStillAnswered, offend } from '../helpers/offenders.js';
import { useServerPool } from '../helpers/test-server.js';

const OFFENDERS = 50;

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
    await assertStillAnswered(alive);
    // Once they are gone, nothing of them is left in the core.
    for (const client of offenders) client.close();
    await eventually(() => assert.deepEqual(running.server.view.sessions(), []));
    assert.deepEqual(running.server.view.rooms(), []);
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
