import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOptions } from '../../bench/options.js';
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
