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
    const others = ['b', 'c', 'd'].map((name) => manualJob(started, name));
    const otherAnswers = [gate.run('10.0.0.2', others[0]!.work)];
    assert.equal(await answers[3], undefined);
    // Refused for want of room, a is a suspect now: a third IP takes a2's place...
    otherAnswers.push(gate.run('10.0.0.3', others[1]!.work));
    assert.equal(await answers[2], undefined);
    // ... and a fourth a1's, a's only one waiting.
    otherAnswers.push(gate.run('10.0.0.4', others[2]!.work));
    assert.equal(await answers[1], undefined);
    // Now every IP waiting is clean and has one job: a newcomer is refused.
    assert.equal(await gate.run('10.0.0.5', manualJob(started, 'e').work), undefined);
    assert.equal(gate.refused, 4);
    // Turns: b, then c, then d.
    for (const job of [jobs[0], ...others]) {
      job?.finish();
      await settle();
    }
    assert.deepEqual(started, ['a0', 'b', 'c', 'd']);
    assert.deepEqual(await Promise.all(otherAnswers), ['b', 'c', 'd']);
  });

  it('serves a clean IP before suspect IPs that have waited longer', async () => {
    const gate = new HashingGate({ maxConcurrent: 1, maxQueued: 64, maxQueuedPerIp: 8 });
    const started: string[] = [];
    const running = manualJob(started, 'first');
    void gate.run('10.0.0.9', running.work);
    for (const ip of ['10.0.0.1', '10.0.0.2']) gate.failed(ip);
    const suspects = ['10.0.0.1', '10.0.0.2'].map((ip) => manualJob(started, ip));
    void gate.run('10.0.0.1', suspects[0]!.work);
    void gate.run('10.0.0.2', suspects[1]!.work);
    const clean = manualJob(started, 'clean');
    void gate.run('10.0.0.3', clean.work);
    running.finish();
    await settle();
    assert.deepEqual(started, ['first', 'clean'], 'the clean IP goes first');
    clean.finish();
    await settle();
    suspects[0]?.finish();
    await settle();
    assert.deepEqual(started, ['first', 'clean', '10.0.0.1', '10.0.0.2'], 'then suspects in turn');
  });

  it("gives a clean newcomer a suspect's place in a full queue, even the suspect's only one", async () => {
    const gate = new HashingGate({ maxConcurrent: 1, maxQueued: 2, maxQueuedPerIp: 8 });
    const started: string[] = [];
    void gate.run('10.0.0.9', manualJob(started, 'running').work);
    gate.failed('10.0.0.1');
    const suspect = gate.run('10.0.0.1', manualJob(started, 'suspect').work);
    const other = gate.run('10.0.0.2', manualJob(started, 'other').work);
    // Full: a suspect newcomer finds no IP with more than one waiting and is refused.
    gate.failed('10.0.0.4');
    assert.equal(await gate.run('10.0.0.4', manualJob(started, 'refused').work), undefined);
    // A clean newcomer takes the suspect's place.
    void gate.run('10.0.0.3', manualJob(started, 'clean').work);
    assert.equal(await suspect, undefined);
    assert.equal(gate.refused, 2);
    void other;
  });

  it('forgets a suspect ten minutes after its last failure, and the oldest past 10,000', async () => {
    let now = 0;
    const gate = new HashingGate({ maxConcurrent: 1, maxQueued: 64, maxQueuedPerIp: 8 }, () => now);
    const started: string[] = [];
    const order = async (): Promise<string[]> => {
      started.length = 0;
      const first = manualJob(started, 'first');
      void gate.run('10.0.0.9', first.work);
      const jobs = ['10.0.0.1', '10.0.0.2'].map((ip) => manualJob(started, ip));
      void gate.run('10.0.0.1', jobs[0]!.work);
      void gate.run('10.0.0.2', jobs[1]!.work);
      first.finish();
      await settle();
      // One slot: each finishes before the next starts.
      for (const at of [1, 2]) {
        jobs[started[at] === '10.0.0.1' ? 0 : 1]?.finish();
        await settle();
      }
      return started.slice(1);
    };
    gate.failed('10.0.0.1');
    assert.deepEqual(await order(), ['10.0.0.2', '10.0.0.1']);
    now = 10 * 60_000 - 1;
    assert.deepEqual(await order(), ['10.0.0.2', '10.0.0.1'], 'still a suspect');
    now = 10 * 60_000;
    assert.deepEqual(await order(), ['10.0.0.1', '10.0.0.2'], 'forgotten');
    gate.failed('10.0.0.1');
    for (let index = 0; index < 10_000; index += 1) gate.failed(`fd00::${index.toString(16)}`);
    assert.deepEqual(await order(), ['10.0.0.1', '10.0.0.2'], 'pushed out by newer suspects');
  });

  it('among clean IPs serves the one with the fewest logins in flight first', async () => {
    const gate = new HashingGate({ maxConcurrent: 1, maxQueued: 64, maxQueuedPerIp: 8 });
    const started: string[] = [];
    const first = manualJob(started, 'first');
    void gate.run('10.0.0.9', first.work);
    const many = ['x0', 'x1', 'x2'].map((name) => manualJob(started, name));
    for (const job of many) void gate.run('10.0.0.1', job.work);
    const one = manualJob(started, 'y');
    void gate.run('10.0.0.2', one.work);
    first.finish();
    await settle();
    assert.deepEqual(started, ['first', 'y'], 'y arrived last but has one login in flight');
    one.finish();
    await settle();
    assert.deepEqual(started, ['first', 'y', 'x0']);
  });
});
