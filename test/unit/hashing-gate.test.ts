import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HashingGate } from '../../src/auth/hashing-gate.js';

/** A job the test finishes by hand, recording when it started. */
function manualJob(
  started: string[],
  name: string,
): { work: () => Promise<string>; finish: () => void } {
  let finish = (): void => {};
  const work = (): Promise<string> => {
    started.push(name);
    return new Promise((resolve) => (finish = () => resolve(name)));
  };
  return { work, finish: () => finish() };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('hashing gate: bounded password hashing per IP and in all', () => {
  it("starts another IP's job at once while one IP has its share running and more waiting", async () => {
    const gate = new HashingGate({ maxConcurrent: 2, maxQueued: 64, maxQueuedPerIp: 8 });
    const started: string[] = [];
    const flood = Array.from({ length: 8 }, (_, index) => manualJob(started, `a${index}`));
    for (const job of flood) void gate.run('10.0.0.1', job.work);
    await settle();
    assert.deepEqual(started, ['a0'], 'one IP runs at most half of the slots');
    const real = manualJob(started, 'b');
    const answer = gate.run('10.0.0.2', real.work);
    await settle();
    assert.deepEqual(started, ['a0', 'b']);
    real.finish();
    assert.equal(await answer, 'b');
  });

  it('refuses at once past the per-IP bound, without running the work', async () => {
    const gate = new HashingGate({ maxConcurrent: 1, maxQueued: 64, maxQueuedPerIp: 2 });
    const started: string[] = [];
    const jobs = ['a', 'b', 'c'].map((name) => manualJob(started, name));
    const answers = jobs.map((job) => gate.run('10.0.0.1', job.work));
    assert.equal(await answers[2], undefined);
    assert.equal(gate.refused, 1);
    jobs[0]?.finish();
    await settle();
    jobs[1]?.finish();
    assert.deepEqual(await Promise.all(answers.slice(0, 2)), ['a', 'b']);
    assert.deepEqual(started, ['a', 'b']);
  });

  it('makes room in a full queue by refusing the newest job of the IP with the most waiting', async () => {
    const gate = new HashingGate({ maxConcurrent: 1, maxQueued: 3, maxQueuedPerIp: 8 });
    const started: string[] = [];
    const jobs = ['a0', 'a1', 'a2', 'a3'].map((name) => manualJob(started, name));
    const answers = jobs.map((job) => gate.run('10.0.0.1', job.work));
    // a0 runs; a1..a3 fill the queue. Another IP's job takes a3's place.
    const other = manualJob(started, 'b');
    const answer = gate.run('10.0.0.2', other.work);
    assert.equal(await answers[3], undefined);
    // A third IP finds the queue full of single jobs... but a has two: a2 goes.
    const third = gate.run('10.0.0.3', manualJob(started, 'c').work);
    assert.equal(await answers[2], undefined);
    // Now every IP waiting has one job: a newcomer is refused.
    assert.equal(await gate.run('10.0.0.4', manualJob(started, 'd').work), undefined);
    jobs[0]?.finish();
    await settle();
    // Turns: a (a1), then b, then c.
    assert.deepEqual(started, ['a0', 'a1']);
    jobs[1]?.finish();
    await settle();
    assert.deepEqual(started, ['a0', 'a1', 'b']);
    other.finish();
    assert.equal(await answer, 'b');
    void third;
  });
});
