import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually } from './admin-http.js';
import { latin1 } from './core-fuzz.js';
import { corpusLines } from './fuzz-corpus.js';
import { LineClient } from './line-client.js';
import { WsLineClient } from './ws-line-client.js';

/** Invalid UTF-8 and near-valid commands: the fuzz corpus's hostile lines. */
const NASTY_LINES: readonly Buffer[] = corpusLines().map(({ bytes }) => latin1(`${bytes}\n`));

export type Offender = LineClient | WsLineClient;

/** Writes raw bytes: over WebSocket as one binary message, which the server splits into lines. */
export function writeRaw(client: Offender, data: Buffer): void {
  if (client instanceof WsLineClient) client.write(data, true);
  else client.write(data);
}

/**
 * One offender: connects (one in five over WebSocket, where each write is one binary message
 * the server splits into lines like TCP), maybe logs in and joins a room of its own, then spews
 * random bytes, the fuzz corpus's lines and invalid messages.
 */
export async function offend(
  ports: { port: number; httpPort: number },
  index: number,
): Promise<Offender> {
  const client =
    index % 5 === 4
      ? await WsLineClient.connect(ports.httpPort)
      : await LineClient.connect(ports.port);
  if (index % 2 === 0) {
    client.send(`0:offender${index}:pw`);
    client.send(`2:junk${index % 5}`);
  }
  for (let round = 0; round < 6; round += 1) {
    const bytes = randomBytes(512 + ((index * 97 + round * 31) % 1024));
    // Some newlines, so that the parser sees many short random lines and not only one long one.
    for (let at = (index + round) % 40; at < bytes.length; at += 17 + (at % 40)) bytes[at] = 10;
    const nasty = NASTY_LINES[(index + round) % NASTY_LINES.length] as Buffer;
    for (const data of [bytes, nasty, Buffer.from(`3:0:${'\u00e9'.repeat(20)}\n`)]) {
      writeRaw(client, data);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return client;
}

/**
 * Asserts that every offender still connected is still answered: sent `1` (list rooms) after
 * its garbage, each gets a room list, or `9:not_logged_in` if it never logged in.
 */
export async function assertStillAnswered(alive: readonly Offender[]): Promise<void> {
  const before = alive.map((client) => client.lines.length);
  for (const client of alive) client.write('\n1\n');
  await eventually(() => {
    alive.forEach((client, index) => {
      const answers = client.lines.slice(before[index]);
      assert.ok(answers.some((line) => /^(1:|9:not_logged_in:)/.test(line)));
    });
  });
}
