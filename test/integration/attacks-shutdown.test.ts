import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ControlGroup } from '../helpers/control-group.js';
import { cli, killAll, listening } from '../helpers/cli-process.js';
import { LineClient } from '../helpers/line-client.js';

const GRACE_MS = 1000;
const LOADERS = 10;

describe('attack: SIGTERM under load', { timeout: 30_000 }, () => {
  const open: { close(): void }[] = [];
  after(() => {
    for (const client of open) client.close();
    killAll();
  });

  it('tells every client 9:shutting_down, relays what came before it in order, and exits 0 in time', async () => {
    const roomwire = cli([
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--log-level',
      'info',
      '--shutdown-grace-ms',
      String(GRACE_MS),
      '--rate-limit-per-second',
      '0',
    ]);
    const ports = await listening(roomwire);
    const group = await ControlGroup.start(ports);
    open.push(group);
    // The load: clients in another room writing as fast as the server reads.
    const loaders = await Promise.all(
      Array.from({ length: LOADERS }, (_, index) => LineClient.login(ports.port, `load${index}`)),
    );
    for (const { client } of loaders) {
      open.push(client);
      await client.joinRoom('load');
    }
    const load = setInterval(() => {
      for (const { client } of loaders) if (!client.closed) client.write('3:0:load\n'.repeat(50));
    }, 10);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const signalled = Date.now();
    const sentBefore = new Map(group.members.map((member) => [member.id, member.sent]));
    roomwire.child.kill('SIGTERM');
    const { code } = await roomwire.exited;
    const took = Date.now() - signalled;
    clearInterval(load);
    const report = group.report();
    group.close();
    assert.equal(code, 0, roomwire.stderr());
    assert.ok(took < GRACE_MS + 1500, `exit took ${took} ms`);
    // Every client heard the goodbye; the control group's members first, then their close.
    for (const code of ['shutting_down', 'closed_by_server']) {
      const count = report.refusals.filter((refusal) => refusal === code).length;
      assert.equal(count, group.members.length, `${code}: ${JSON.stringify(report)}`);
    }
    for (const { client } of loaders) {
      assert.match(client.lines.find((line) => line.startsWith('9:')) ?? '', /^9:shutting_down:/);
      assert.equal(client.closed, true);
    }
    // Up to the goodbye, every member received every other's messages in order, none twice,
    // and all but the last few sent as the signal went out (those may meet a closed socket).
    assert.equal(report.disorder, 0, JSON.stringify(report));
    for (const receiver of group.members) {
      for (const sender of group.members) {
        if (sender === receiver) continue;
        const missed = receiver.check.due(sender.id, sentBefore.get(sender.id) ?? 0);
        assert.ok(missed <= 3, `${receiver.id} missed ${missed} of ${sender.id}'s messages`);
      }
    }
  });
});
