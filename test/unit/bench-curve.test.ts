import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chartSvg, niceMax, readPoints } from '../../bench/chart.js';
import { parseCurveOptions, targets, type PointLine } from '../../bench/curve.js';
import {
  CHATTER_BUDGET,
  clientsPerCore,
  CONNECTION_SERIES_DELIVERIES,
  generatorLoadGrows,
  ROOM_SERIES_DELIVERIES,
  SERIES,
  seriesPoints,
  type PointFigures,
} from '../../bench/curve-plan.js';
import { UsageError, parseOptions } from '../../bench/options.js';

function figures(overrides: Partial<PointFigures>): PointFigures {
  return {
    clients: 100,
    deliveredPerS: 1000,
    deliveryRatio: 1,
    udpLoss: null,
    p50Us: 1000,
    p99Us: 5000,
    p999Us: 8000,
    cpuUtil: 0.1,
    cpuUsPerDelivery: 5,
    cpuUsPerClientS: 1000,
    rssPerClientKb: 10,
    generatorCpuUtil: 0.3,
    skippedSends: 0,
    otherCpuUtil: 0,
    generatorLimited: false,
    starved: false,
    ...overrides,
  };
}

describe('the curve series', () => {
  it('offers 90,000 deliveries a second at every room size, with 500 clients or near it', () => {
    for (const point of seriesPoints('rooms')) {
      const options = parseOptions([...point.args]);
      assert.ok(options !== undefined);
      const clients = options.rooms * options.clients;
      assert.equal(options.clients, point.x);
      const offered = clients * options.hz * (options.clients - 1);
      assert.ok(Math.abs(offered / ROOM_SERIES_DELIVERIES - 1) < 0.01, `${point.x}: ${offered}`);
      assert.ok(clients >= 250 && clients <= 750, `${point.x}: ${clients} clients`);
    }
  });

  it('keeps rooms of 10 at 20 Hz in the clients series and rooms of 8 in vr', () => {
    const clients = seriesPoints('clients').map((point) => parseOptions([...point.args]));
    assert.deepEqual(
      clients.map((o) => (o === undefined ? 0 : o.rooms * o.clients)),
      [100, 250, 500, 1000, 2000, 4000],
    );
    assert.ok(clients.every((o) => o?.clients === 10 && o.hz === 20));
    const vr = seriesPoints('vr').map((point) => parseOptions([...point.args]));
    assert.ok(vr.every((o) => o?.workload === 'vr' && o.clients === 8 && o.hz === 72));
    assert.deepEqual(
      seriesPoints('size').map((p) => p.x),
      [16, 64, 256, 1024, 4096, 16384],
    );
  });

  it('offers 45,000 deliveries a second in rooms of 10 at every point of the connections series', () => {
    const points = seriesPoints('connections');
    assert.deepEqual(
      points.map((p) => p.x),
      [500, 1000, 2000, 4000],
    );
    for (const point of points) {
      const options = parseOptions([...point.args]);
      assert.ok(options !== undefined);
      assert.equal(options.clients, 10);
      assert.equal(options.rooms * options.clients, point.x);
      const offered = point.x * options.hz * (options.clients - 1);
      assert.ok(
        Math.abs(offered / CONNECTION_SERIES_DELIVERIES - 1) < 0.01,
        `${point.x}: ${offered}`,
      );
    }
    assert.equal(parseOptions([...(points[0]?.args ?? [])])?.hz, 10);
  });

  it('stops a series at a generator-limited point only where the next point asks more of it', () => {
    // The rooms series sends fewer messages as rooms grow, for the same deliveries: its rooms
    // of 250 must still run after rooms of 2 saturated the generator.
    const grows = SERIES.filter((series) => generatorLoadGrows(series));
    assert.deepEqual(grows, ['clients', 'size', 'vr']);
    const sends = seriesPoints('rooms').map((point) => {
      const o = parseOptions([...point.args]);
      return o === undefined ? 0 : o.rooms * o.clients * o.hz;
    });
    assert.ok(sends.every((value, index) => index === 0 || value < (sends[index - 1] ?? 0)));
  });

  it('parses its flags: series, quick runs, and refuses unknown series', () => {
    const quick = parseCurveOptions(['--series', 'clients,vr', '--quick']);
    assert.deepEqual(quick?.series, ['clients', 'vr']);
    assert.ok((quick?.durationS ?? 99) < (parseCurveOptions([])?.durationS ?? 0));
    assert.throws(() => parseCurveOptions(['--series', 'latency']), UsageError);
    assert.throws(() => parseCurveOptions(['chatter']), UsageError);
  });
});

describe('clients per core', () => {
  it('extrapolates from the last point that met the budget when none failed it', () => {
    const result = clientsPerCore(
      [
        { x: 100, figures: figures({ cpuUtil: 0.05, cpuUsPerClientS: 500 }) },
        { x: 500, figures: figures({ cpuUtil: 0.25, cpuUsPerClientS: 500 }) },
        { x: 1000, figures: figures({ cpuUtil: 0.6, generatorLimited: true }) },
        { x: 2000, figures: figures({ cpuUtil: 0.9, starved: true }) },
      ],
      CHATTER_BUDGET,
    );
    assert.equal(result.method, 'extrapolated');
    assert.equal(result.clients, 1400);
    assert.equal(result.fromX, 500);
  });

  it('is measured at the last point below the first that missed the budget', () => {
    const result = clientsPerCore(
      [
        { x: 100, figures: figures({ cpuUtil: 0.1 }) },
        { x: 250, figures: figures({ cpuUtil: 0.3 }) },
        { x: 500, figures: figures({ cpuUtil: 0.5, p99Us: 25_000 }) },
        { x: 1000, figures: figures({ cpuUtil: 0.6 }) },
      ],
      CHATTER_BUDGET,
    );
    assert.equal(result.method, 'measured');
    assert.equal(result.clients, 250);
  });

  it('falls back to CPU alone, marked, when no point met the latency budget', () => {
    const result = clientsPerCore(
      [
        { x: 100, figures: figures({ p99Us: 90_000, cpuUsPerClientS: 700 }) },
        { x: 250, figures: figures({ starved: true, cpuUsPerClientS: 350 }) },
        { x: 500, figures: figures({ starved: true, deliveryRatio: 0.5 }) },
      ],
      CHATTER_BUDGET,
    );
    assert.equal(result.method, 'cpu-only');
    assert.equal(result.clients, 2000);
    assert.equal(result.fromX, 250);
  });

  it('gives no figure when nothing was delivered in full', () => {
    assert.equal(
      clientsPerCore([{ x: 100, figures: figures({ deliveryRatio: 0.9 }) }], CHATTER_BUDGET).method,
      'none',
    );
    assert.equal(
      clientsPerCore([{ x: 100, figures: figures({ generatorLimited: true }) }], CHATTER_BUDGET)
        .clients,
      null,
    );
  });
});

describe('the curve chart', () => {
  it('draws one column per series, a line per server and hollow points where not usable', () => {
    const line = (x: number, starved: boolean): string =>
      JSON.stringify({
        kind: 'curve-point',
        series: 'clients',
        x,
        servers: { roomwire: figures({ starved }), 'baseline-cork': figures({}) },
      });
    const points = readPoints(
      [line(100, false), '{"kind":"curve-summary"}', line(250, true), 'noise'].join('\n'),
    );
    assert.equal(points.length, 2);
    const svg = chartSvg(points, 'a <caption>');
    assert.equal(svg.match(/<polyline/g)?.length, 4);
    // The starved point is hollow in both panels (CPU and p99); the others are filled.
    const hollow = svg.match(/<circle [^>]*fill="white"\/>/g) ?? [];
    assert.equal(hollow.length, 2);
    assert.ok(svg.includes('a &lt;caption&gt;'));
    assert.equal(niceMax(3.2), 5);
    assert.equal(niceMax(120), 200);
  });
});

describe("the curve's verdicts on the issue's targets", () => {
  const point = (x: number, cost: number, late = false): PointLine => ({
    kind: 'curve-point',
    series: 'clients',
    x,
    args: [],
    servers: { roomwire: figures({ cpuUsPerDelivery: cost, starved: late }) },
    ratios: { 'baseline-cork': { cpuUsPerDelivery: 0.9 } },
    generatorLimited: false,
  });

  it('judges a ratio of usable points, and refuses to judge one of a starved point', () => {
    const judged = targets([point(500, 4), point(2000, 4.2)]);
    assert.match(judged['CPU per delivery, 2000 clients / 500 clients'] ?? '', /1\.05x .*: met$/);
    assert.match(
      judged['CPU per delivery, 500 clients in rooms of 10 / corked baseline'] ?? '',
      /0\.90x .*: met$/,
    );
    const connections = targets([
      { ...point(500, 4), series: 'connections' },
      { ...point(2000, 4.6), series: 'connections' },
    ]);
    assert.match(
      connections['CPU per delivery, 2000 clients / 500 clients at 45,000 deliveries/s'] ?? '',
      /1\.15x .*: missed$/,
    );
    assert.equal(connections['CPU per delivery, 2000 clients / 500 clients'], undefined);
    const late = targets([point(500, 4), point(2000, 1, true)]);
    assert.match(
      late['CPU per delivery, 2000 clients / 500 clients'] ?? '',
      /not judged \(2000 is GEN, LATE or saturated\)/,
    );
    // A saturated server delivers more per write: its lower cost is no verdict either.
    const saturated = targets([
      point(500, 9.8),
      {
        ...point(2000, 2.6),
        servers: { roomwire: figures({ cpuUsPerDelivery: 2.6, cpuUtil: 0.95 }) },
      },
    ]);
    assert.match(
      saturated['CPU per delivery, 2000 clients / 500 clients'] ?? '',
      /0\.27x .*not judged \(2000 is GEN, LATE or saturated\)/,
    );
  });
});
