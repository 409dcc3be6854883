import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOptions, UsageError } from '../../bench/options.js';
import { formatPairTable, median, medianRatios } from '../../bench/report.js';
import { serverArgs } from '../../bench/processes.js';
import { flagName } from '../../src/config/config.js';
import { DEFAULTS, type SettingName } from '../../src/config/defaults.js';

const PORTS = { port: 5001, httpPort: 8081 };

/** Every `--flag` Roomwire's CLI takes: one per setting. */
const ROOMWIRE_FLAGS = new Set(Object.keys(DEFAULTS).map((name) => flagName(name as SettingName)));

function assertRoomwireFlags(args: readonly string[]): void {
  for (const arg of args.filter((item) => item.startsWith('--'))) {
    assert.ok(ROOMWIRE_FLAGS.has(arg.slice(2)) || ROOMWIRE_FLAGS.has(arg), `unknown flag ${arg}`);
  }
}

function options(argv: string[]): NonNullable<ReturnType<typeof parseOptions>> {
  const parsed = parseOptions(argv);
  assert.ok(parsed !== undefined);
  return parsed;
}

describe('the bench starts each server with the flags it understands', () => {
  it('gives Roomwire its HTTP port for /ws and no flag of the baseline relay', () => {
    const args = serverArgs('roomwire', PORTS, options(['chatter', '--transport', 'ws']), '');
    assertRoomwireFlags(args);
    assert.deepEqual(args, [
      '--host',
      '127.0.0.1',
      '--port',
      '5001',
      '--log-level',
      'info',
      '--http-port',
      '8081',
    ]);
  });

  it('gives the baseline relay its WebSocket port only over ws, and --cork for its variant', () => {
    const ws = options(['chatter', '--transport', 'ws']);
    assert.ok(serverArgs('baseline', PORTS, ws, '').includes('--ws-port'));
    const tcp = options(['saturate']);
    assert.ok(!serverArgs('baseline', PORTS, tcp, '').includes('--ws-port'));
    assert.ok(serverArgs('baseline-cork', PORTS, tcp, '').includes('--cork'));
  });

  it('keeps the rate limit on, raised for saturate only, and points cluster nodes at Redis', () => {
    assert.ok(
      !serverArgs('roomwire', PORTS, options(['chatter']), '').includes('--rate-limit-per-second'),
    );
    const args = serverArgs('cluster', PORTS, options(['saturate', '--cluster']), 'bench-1');
    assertRoomwireFlags(args);
    assert.ok(args.includes('--rate-limit-per-second'));
    assert.equal(args[args.indexOf('--cluster') + 1], 'redis://127.0.0.1:6379');
    assert.equal(args[args.indexOf('--cluster-prefix') + 1], 'bench-1');
  });

  it('starts the Socket.IO relay on its one port, and Roomwire over /ws beside it', () => {
    const socketio = options(['chatter', '--socketio']);
    assert.deepEqual(socketio.servers, ['socketio', 'roomwire']);
    assert.equal(socketio.transport, 'ws');
    assert.deepEqual(serverArgs('socketio', PORTS, socketio, ''), [
      '--host',
      '127.0.0.1',
      '--port',
      '5001',
    ]);
    const roomwire = serverArgs('roomwire', PORTS, socketio, '');
    assertRoomwireFlags(roomwire);
    assert.equal(roomwire[roomwire.indexOf('--http-port') + 1], '8081');
    const saturate = serverArgs('roomwire', PORTS, options(['saturate', '--socketio']), '');
    assert.ok(saturate.includes('--rate-limit-per-second'));
    assert.deepEqual(options(['saturate', '--server', 'socketio']).servers, ['socketio']);
  });

  it('refuses --socketio with another comparison, another transport or udp', () => {
    for (const argv of [
      ['chatter', '--socketio', '--baseline'],
      ['chatter', '--socketio', '--cluster'],
      ['chatter', '--socketio', '--server', 'roomwire'],
      ['chatter', '--socketio', '--transport', 'tcp'],
      ['udp', '--socketio'],
    ]) {
      assert.throws(() => parseOptions(argv), /socketio|Socket\.IO/i, argv.join(' '));
    }
  });
});

describe('the bench compares the working tree with another commit (--against)', () => {
  it('runs the other build first, then the working tree, three pairs unless told', () => {
    const parsed = options(['chatter', '--against', 'HEAD~1']);
    assert.equal(parsed.against, 'HEAD~1');
    assert.deepEqual(parsed.servers, ['against', 'roomwire']);
    assert.equal(parsed.pairs, 3);
    assert.equal(options(['chatter', '--against', 'main', '--pairs', '5']).pairs, 5);
    assert.equal(options(['chatter', '--baseline']).pairs, 1);
    assert.equal(options(['chatter', '--baseline', '--pairs', '3']).pairs, 3);
  });

  it('starts the other build with the flags Roomwire gets', () => {
    const parsed = options(['saturate', '--against', 'main']);
    assert.deepEqual(
      serverArgs('against', PORTS, parsed, ''),
      serverArgs('roomwire', PORTS, parsed, ''),
    );
  });

  it('refuses --against beside another comparison, without a ref, or with --pairs 0', () => {
    for (const argv of [
      ['chatter', '--against', 'main', '--baseline'],
      ['chatter', '--against', 'main', '--cluster'],
      ['chatter', '--against', 'main', '--socketio'],
      ['chatter', '--against', 'main', '--server', 'baseline'],
      ['chatter', '--against', ' '],
      ['chatter', '--against', 'main', '--pairs', '0'],
    ]) {
      assert.throws(() => parseOptions(argv), UsageError, argv.join(' '));
    }
  });
});

describe('the medians of alternating pairs', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([]), null);
  });

  it('takes each ratio over the pairs that have it, ignoring an outlier', () => {
    const medians = medianRatios([
      { cpuUsPerDelivery: 0.9, latencyP99: null },
      { cpuUsPerDelivery: 1.5, latencyP99: 1.1 },
      { cpuUsPerDelivery: 1.0, latencyP99: 0.9 },
    ]);
    assert.equal(medians.cpuUsPerDelivery, 1.0);
    assert.equal(medians.latencyP99, 1.0);
    assert.match(
      formatPairTable([{ cpuUsPerDelivery: 0.9 }], medians),
      /CPU per delivery +0\.900x +1\.000x/,
    );
  });
});

describe('the honest baselines and the vr workload', () => {
  it('compares with the corked baseline unless the plain one or the C relay is asked for', () => {
    assert.deepEqual(options(['chatter', '--baseline']).servers, ['baseline-cork', 'roomwire']);
    assert.deepEqual(options(['chatter', '--baseline-cork']).servers, [
      'baseline-cork',
      'roomwire',
    ]);
    assert.deepEqual(options(['chatter', '--baseline-plain']).servers, ['baseline', 'roomwire']);
    assert.deepEqual(options(['udp', '--c-relay']).servers, ['c-relay', 'roomwire']);
    assert.deepEqual(serverArgs('c-relay', PORTS, options(['chatter']), ''), [
      '--host',
      '127.0.0.1',
      '--port',
      '5001',
    ]);
    for (const argv of [
      ['chatter', '--baseline-plain', '--c-relay'],
      ['chatter', '--c-relay', '--transport', 'ws'],
      ['chatter', '--baseline', '--cluster'],
      ['chatter', '--pacing', 'burst'],
    ]) {
      assert.throws(() => parseOptions(argv), UsageError, argv.join(' '));
    }
  });

  it('paces each client on its own random phase unless --pacing tick', () => {
    assert.equal(options(['chatter']).pacing, 'phase');
    assert.equal(options(['udp', '--pacing', 'tick']).pacing, 'tick');
  });

  it('runs vr as rooms of 8 sending 100-byte poses at 72 Hz and events at 2 Hz', () => {
    const vr = options(['vr']);
    assert.deepEqual([vr.rooms, vr.clients, vr.size, vr.hz, vr.eventHz], [25, 8, 100, 72, 2]);
    assert.throws(() => parseOptions(['vr', '--transport', 'ws']), UsageError);
    assert.throws(() => parseOptions(['vr', '--socketio']), UsageError);
  });
});
