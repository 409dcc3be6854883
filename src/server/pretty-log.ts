/** `--log-format pretty`: pino's JSON lines turned into short lines for a person at a terminal. */
import { Writable } from 'node:stream';
import type { ListeningAddress } from './roomwire-server.js';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
/** Fields every line has, shown in their own places or not at all. */
const SKIPPED = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'err']);

/** One pino JSON line as `12:03:04 INFO  join clientId=3 room=lobby`. */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = new Date(typeof entry.time === 'number' ? entry.time : Date.now());
  const clock = time.toTimeString().slice(0, 8);
  const level = LEVELS[entry.level as number] ?? String(entry.level);
  const fields = Object.entries(entry)
    .filter(([key]) => !SKIPPED.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const err = entry.err as { stack?: string; message?: string } | undefined;
  const detail = err === undefined ? '' : `\n    ${err.stack ?? err.message ?? ''}`;
  return `${clock} ${level} ${String(entry.msg ?? '')}${fields.length > 0 ? ' ' : ''}${fields.join(' ')}${detail}`;
}

/** A stream for pino that writes each entry to `out` as a {@link prettyLine}. */
export function prettyStream(out: NodeJS.WritableStream): Writable {
  let partial = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line !== '') out.write(`${prettyLine(line)}\n`);
      callback();
    },
  });
}

/** Where the server listens, in plain words, with the URLs of its pages. */
export function listeningBanner(address: ListeningAddress, version: string): string {
  const wildcard = ['0.0.0.0', '::', ''].includes(address.host);
  const name = wildcard
    ? 'localhost'
    : address.host.includes(':')
      ? `[${address.host}]`
      : address.host;
  const http = `http://${name}:${address.httpPort}`;
  const where = wildcard ? `all interfaces (${address.host})` : address.host;
  return [
    `Roomwire ${version} is running on ${where}.`,
    `  game clients (TCP and UDP)  ${name}:${address.port}`,
    `  browsers (WebSocket)        ws://${name}:${address.httpPort}/ws`,
    `  demo page                   ${http}/`,
    `  dashboard                   ${http}/admin`,
    `  metrics                     ${http}/metrics`,
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}
