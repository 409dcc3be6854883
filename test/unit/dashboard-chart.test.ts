import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

const chart = (await import(new URL('../../../web/admin/chart.js', import.meta.url).href)) as {
  axisTicks(value: number): number[];
};

describe("the dashboard chart's y axis", () => {
  it('reads round at every scale and reaches the highest value', () => {
    for (const value of [0, 3, 7, 13, 37, 50, 99, 120, 1234, 50_000, 2_345_678]) {
      const ticks = chart.axisTicks(value);
      const step = (ticks[1] ?? 0) - (ticks[0] ?? 0);
      assert.ok(ticks.every(Number.isInteger), `${value}: ${ticks.join(',')}`);
      const leading = step / 10 ** Math.floor(Math.log10(step));
      assert.ok([1, 2, 5].includes(leading), `${value}: step ${step}`);
      assert.ok(
        ticks.every((tick, index) => tick === index * step),
        `${value}: ${ticks.join(',')}`,
      );
      assert.ok((ticks.at(-1) ?? 0) >= value && ticks.length <= 6, `${value}: ${ticks.join(',')}`);
    }
  });
});
