/**
 * Micro-benchmarks of the relay's hot path, in one process: the line decoder, the command
 * parser, and the core's fan-out of one message to a room. Each is timed beside a naive
 * implementation of the same work, run in the same invocation, and reported as a ratio to it.
 *
 *   npm run build && npm run bench:micro [-- --seconds 1 --room-size 10]
 */
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../src/config/defaults.js';
import { Relay } from '../src/core/relay.js';
import type { ConnId, Effect } from '../src/core/types.js';
import { LineDecoder } from '../src/protocol/line-decoder.js';
import { parseCommand } from '../src/protocol/parse-command.js';
import { relayLimits } from '../src/server/roomwire-server.js';

interface Case {
  readonly name: string;
  /** What one operation is, for the table. */
  readonly unit: string;
  /** Runs `count` operations; returns a number that depends on the work, so it is not elided. */
  readonly ours: (count: number) => number;
  readonly naive: (count: number) => number;
}

/** Nanoseconds per operation: repeated batches for about `seconds`, the fastest batch wins. */
function measure(run: (count: number) => number, seconds: number): number {
  let count = 1;
  // Grow the batch until it takes at least 10 ms, so timer resolution does not matter.
  for (;;) {
    const start = process.hrtime.bigint();
    run(count);
    const ns = Number(process.hrtime.bigint() - start);
    if (ns > 10e6) break;
    count *= 2;
  }
  let best = Infinity;
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const start = process.hrtime.bigint();
    run(count);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / count);
  }
  return best;
}

const PAYLOAD = `${'1'.repeat(16)}${'x'.repeat(48)}`;

/** 64 KiB of `3:0:<64 bytes>` lines, as one TCP read of a busy client would bring. */
function messageChunk(): { chunk: Buffer; lines: number } {
  const line = `3:0:${PAYLOAD}\n`;
  const lines = Math.floor(65536 / line.length);
  return { chunk: Buffer.from(line.repeat(lines)), lines };
}

function decoderCase(): Case {
  const { chunk, lines } = messageChunk();
  // Split the chunk into three uneven pieces, so carried-over partial lines are exercised.
  const pieces = [chunk.subarray(0, 1000), chunk.subarray(1000, 40_001), chunk.subarray(40_001)];
  return {
    name: 'line decoder',
    unit: 'line',
    ours(count) {
      const decoder = new LineDecoder(DEFAULTS.maxLineLength);
      let seen = 0;
      const onLine = (line: Buffer): void => {
        seen += line.length;
      };
      for (let done = 0; done < count; done += lines) {
        for (const piece of pieces) decoder.push(piece, onLine);
      }
      return seen;
    },
    // The obvious way: decode to a string, split, carry the remainder.
    naive(count) {
      let rest = '';
      let seen = 0;
      for (let done = 0; done < count; done += lines) {
        for (const piece of pieces) {
          const parts = (rest + piece.toString('utf8')).split('\n');
          rest = parts.pop() ?? '';
          for (const part of parts) seen += Buffer.byteLength(part);
        }
      }
      return seen;
    },
  };
}

function parserCase(): Case {
  const line = Buffer.from(`3:0:${PAYLOAD}`);
  return {
    name: 'command parser (3:0:...)',
    unit: 'line',
    ours(count) {
      let seen = 0;
      for (let index = 0; index < count; index += 1) {
        const command = parseCommand(line);
        if (command.type === 'message') seen += 1;
      }
      return seen;
    },
    // Decode and split on every colon, then join the payload back together.
    naive(count) {
      let seen = 0;
      for (let index = 0; index < count; index += 1) {
        const [type, mode, ...rest] = line.toString('utf8').split(':');
        if (type === '3' && mode === '0') seen += rest.join(':').length;
      }
      return seen;
    },
  };
}

/** A relay with one room of `size` logged-in members; effects are counted, not delivered. */
function roomOf(size: number): { relay: Relay; sender: ConnId; deliveries: () => number } {
  let deliveries = 0;
  let nextId = 1;
  const relay = new Relay({
    // No ticks here, so no refill: the rate limit is off, as it would never let a flood through,
    // and the byte bucket never empties (its check still runs on every line).
    limits: {
      ...relayLimits(DEFAULTS),
      rateLimitPerSecond: 0,
      byteRateLimitBurst: Number.MAX_SAFE_INTEGER,
    },
    ids: { next: () => nextId++ },
    // Resume on, as by default: every member keeps each line in its log.
    tokens: { next: () => `token${nextId}` },
    emit(effect: Effect) {
      if (effect.type === 'fanout') deliveries += effect.connIds.length - 1;
      else if (effect.type === 'authenticate') {
        relay.handle({ type: 'auth-result', connId: effect.connId, accepted: true });
      }
    },
  });
  for (let connId = 1; connId <= size; connId += 1) {
    relay.handle({ type: 'connect', connId, transport: 'tcp', remoteIp: '127.0.0.1' });
    relay.handle({ type: 'line', connId, line: Buffer.from(`0:user${connId}:pw`) });
    relay.handle({ type: 'line', connId, line: Buffer.from('2:micro') });
  }
  return { relay, sender: 1, deliveries: () => deliveries };
}

function fanoutCase(size: number): Case {
  const line = Buffer.from(`3:0:${PAYLOAD}`);
  const { relay, sender, deliveries } = roomOf(size);
  const members = Array.from({ length: size }, (_, index) => index + 1);
  return {
    name: `core fan-out, room of ${size}`,
    unit: 'message',
    ours(count) {
      for (let index = 0; index < count; index += 1) {
        relay.handle({ type: 'line', connId: sender, line });
      }
      return deliveries();
    },
    // A string per recipient, as a relay that formats each delivery would build.
    naive(count) {
      let bytes = 0;
      for (let index = 0; index < count; index += 1) {
        const payload = line.toString('utf8').slice(4);
        for (const member of members) {
          if (member !== sender) bytes += Buffer.from(`3:${sender}:${payload}\n`).length;
        }
      }
      return bytes;
    },
  };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '1' },
      'room-size': { type: 'string', default: '10' },
    },
  });
  const seconds = Number(values.seconds);
  const roomSize = Number(values['room-size']);
  if (!(seconds > 0) || !(roomSize >= 2)) throw new Error('--seconds > 0, --room-size >= 2');
  const cases = [decoderCase(), parserCase(), fanoutCase(roomSize)];
  const rows = cases.map((item) => {
    const naiveNs = measure(item.naive, seconds);
    const oursNs = measure(item.ours, seconds);
    return { case: item.name, unit: item.unit, oursNs, naiveNs, ratio: oursNs / naiveNs };
  });
  for (const row of rows) process.stdout.write(`${JSON.stringify({ kind: 'micro', ...row })}\n`);
  const table = rows.map(
    (row) =>
      `${row.case.padEnd(28)} ${row.oursNs.toFixed(1).padStart(9)} ns/${row.unit.padEnd(8)}` +
      ` naive ${row.naiveNs.toFixed(1).padStart(9)} ns   ratio ${row.ratio.toFixed(2)}x`,
  );
  process.stdout.write(`\n${table.join('\n')}\n`);
}

main();
