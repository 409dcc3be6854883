import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TurnWrites, type TurnSink } from '../../src/transports/turn-writes.js';

/** A socket stand-in that records what it was handed. */
function sink(): TurnSink & { written: string[]; writable: boolean } {
  const written: string[] = [];
  return {
    written,
    writable: true,
    write(data: Buffer) {
      written.push(data.toString());
      return true;
    },
  };
}

describe('turn writes', () => {
  it('hands one turn as one buffer, its lines in order, and counts what it holds', () => {
    const socket = sink();
    const held = new TurnWrites(socket);
    held.cork();
    held.write(Buffer.from('3:1:a\n'));
    held.write(Buffer.from('3:2:bb\n'));
    held.write(Buffer.from('3:3:ccc\n'));
    assert.equal(held.bytes, 21);
    assert.deepEqual(socket.written, []);
    held.uncork();
    assert.deepEqual(socket.written, ['3:1:a\n3:2:bb\n3:3:ccc\n']);
    assert.equal(held.bytes, 0);
  });

  it('passes a lone line through as it is, and writes nothing for an empty turn', () => {
    const socket = sink();
    const held = new TurnWrites(socket);
    const line = Buffer.from('2:1:lobby\n');
    let handed: Buffer | undefined;
    const recording = new TurnWrites({
      writable: true,
      write: (data) => ((handed = data), true),
    });
    recording.write(line);
    recording.uncork();
    assert.equal(handed, line);
    held.uncork();
    assert.deepEqual(socket.written, []);
  });

  it('starts each turn empty', () => {
    const socket = sink();
    const held = new TurnWrites(socket);
    held.write(Buffer.from('a\n'));
    held.uncork();
    held.write(Buffer.from('b\n'));
    held.uncork();
    assert.deepEqual(socket.written, ['a\n', 'b\n']);
  });

  it('drops what a socket that is no longer writable cannot take', () => {
    const socket = sink();
    const held = new TurnWrites(socket);
    held.write(Buffer.from('a\n'));
    socket.writable = false;
    held.uncork();
    assert.deepEqual(socket.written, []);
    assert.equal(held.bytes, 0);
  });
});
