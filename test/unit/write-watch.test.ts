import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sweepWrites, WriteWatch, type Watched } from '../../src/transports/write-watch.js';

const LIMITS = { softBytes: 1000, softMs: 500, stallMs: 2000 };

describe('write watch: slow-consumer soft cap and write stall', () => {
  it('closes as slow_consumer a queue held above the soft cap for softMs', () => {
    const watch = new WriteWatch();
    assert.equal(watch.check(0, 1001, 0, LIMITS), undefined);
    assert.equal(watch.check(400, 5000, 100, LIMITS), undefined);
    assert.equal(watch.check(500, 1001, 200, LIMITS), 'slow_consumer');
  });

  it('restarts the soft clock whenever the queue falls to the cap', () => {
    const watch = new WriteWatch();
    watch.check(0, 2000, 0, LIMITS);
    watch.check(400, 1000, 100, LIMITS);
    assert.equal(watch.check(600, 2000, 200, LIMITS), undefined);
    assert.equal(watch.check(1099, 2000, 300, LIMITS), undefined);
    assert.equal(watch.check(1100, 2000, 400, LIMITS), 'slow_consumer');
  });

  it('closes as write_timeout a queue of which nothing was taken for stallMs', () => {
    const watch = new WriteWatch();
    assert.equal(watch.check(0, 10, 50, LIMITS), undefined);
    assert.equal(watch.check(1999, 10, 50, LIMITS), undefined);
    assert.equal(watch.check(2000, 10, 50, LIMITS), 'write_timeout');
  });

  it('counts any bytes taken, or an empty queue, as progress', () => {
    const watch = new WriteWatch();
    watch.check(0, 10, 50, LIMITS);
    watch.check(1500, 10, 51, LIMITS);
    assert.equal(watch.check(3000, 10, 51, LIMITS), undefined);
    watch.check(3400, 0, 51, LIMITS);
    assert.equal(watch.check(5000, 10, 51, LIMITS), undefined);
    assert.equal(watch.check(5400, 10, 51, LIMITS), 'write_timeout');
  });

  it('does nothing with both limits at 0', () => {
    const watch = new WriteWatch();
    const off = { softBytes: 0, softMs: 1, stallMs: 0 };
    for (let now = 0; now < 100_000; now += 1000) {
      assert.equal(watch.check(now, 1e9, 0, off), undefined);
    }
  });

  it('sweeps open connections only, and reports each verdict', () => {
    const make = (closing: boolean): Watched => ({
      closing,
      watch: new WriteWatch(),
      queuedBytes: 5000,
      delivered: 0,
    });
    const open = [make(false), make(true)];
    const verdicts: string[] = [];
    sweepWrites(open, 0, LIMITS, (_, code) => verdicts.push(code));
    sweepWrites(open, 600, LIMITS, (connection, code) => {
      assert.equal(connection, open[0]);
      verdicts.push(code);
    });
    assert.deepEqual(verdicts, ['slow_consumer']);
  });
});
