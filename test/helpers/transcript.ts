/**
 * Golden transcripts: lines in, lines out, per named client. One file runs against the pure core
 * ({@link runOnCore}), over real TCP sockets ({@link runOverTcp}) and over WebSockets
 * ({@link runOverWebSocket}); passing all three proves the transports add nothing to the protocol.
 *
 * Format (one step per line; blank lines and `#` comments are skipped):
 *
 *   @set maxRoomMembers=2     a server setting that is also a core limit (before the first step)
 *   @accept-password secret   logins succeed only with this password (default: every password)
 *   A> 0:alice:pw             client A sends the line (A connects on first use)
 *   A>                        client A sends an empty line
 *   A+                        client A connects without sending anything
 *   A! close                  client A disconnects
 *   A< 0:1                    A must receive this line next
 *   A< 9:malformed:...        a trailing `...` matches any rest of the line
 *   A~                        the server must have closed A's connection
 *
 * Lines may use the escapes `\xHH` (one raw byte) and `\\` (a backslash); a line never holds a
 * newline or carriage return (framing is the transport's business, tested elsewhere). After
 * each action the runner waits for exactly the expectations that follow it, for every client;
 * at the end it checks that no client received an unexpected line or was closed unexpectedly.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Authenticator } from '../../src/auth/authenticator.js';
import { buildConfig } from '../../src/config/config.js';
import { Relay } from '../../src/core/relay.js';
import type { ConnId, Effect } from '../../src/core/types.js';
import { relayLimits } from '../../src/server/roomwire-server.js';
import { LineClient } from './line-client.js';
import { WsLineClient } from './ws-line-client.js';
import { startTestServer, type TestServer } from './test-server.js';

export type Action =
  | { readonly kind: 'send'; readonly client: string; readonly data: Buffer; readonly at: number }
  | { readonly kind: 'connect'; readonly client: string; readonly at: number }
  | { readonly kind: 'close'; readonly client: string; readonly at: number };

export type Expectation =
  | { readonly kind: 'line'; readonly text: string; readonly prefix: boolean; readonly at: number }
  | { readonly kind: 'closed'; readonly at: number };

/** One action and what every client must receive because of it. */
export interface Block {
  readonly action: Action;
  readonly expect: ReadonlyMap<string, readonly Expectation[]>;
}

export interface Transcript {
  readonly name: string;
  readonly settings: Readonly<Record<string, number>>;
  readonly acceptPassword: string | undefined;
  readonly clients: readonly string[];
  readonly blocks: readonly Block[];
}

const STEP = /^([A-Za-z][A-Za-z0-9_]*)([><+!~])(?: (.*))?$/;

/** Parses a transcript; throws naming the file and line of the first mistake. */
export function parseTranscript(name: string, text: string): Transcript {
  const settings: Record<string, number> = {};
  let acceptPassword: string | undefined;
  const blocks: { action: Action; expect: Map<string, Expectation[]> }[] = [];
  const clients = new Set<string>();
  const closed = new Set<string>();
  text.split('\n').forEach((raw, index) => {
    const at = index + 1;
    const fail = (why: string): never => {
      throw new Error(`${name}:${at}: ${why}: ${JSON.stringify(raw)}`);
    };
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.startsWith('#')) return;
    if (line.startsWith('@')) {
      if (blocks.length > 0) fail('directives come before the first step');
      const setting = /^@set ([A-Za-z]+)=(\d+)$/.exec(line);
      const password = /^@accept-password (\S+)$/.exec(line);
      if (setting !== null) settings[setting[1] as string] = Number(setting[2]);
      else if (password !== null) acceptPassword = password[1];
      else fail('unknown directive');
      return;
    }
    const match = STEP.exec(line) ?? fail('not a step');
    const [, client = '', op = '', rest] = match;
    clients.add(client);
    if (op === '>' || op === '+' || op === '!') {
      if (closed.has(client)) fail(`${client} is closed`);
      if (op === '>')
        blocks.push({
          action: { kind: 'send', client, data: unescape(rest ?? '', fail), at },
          expect: new Map(),
        });
      else if (op === '+' && rest === undefined)
        blocks.push({ action: { kind: 'connect', client, at }, expect: new Map() });
      else if (op === '!' && rest === 'close') {
        closed.add(client);
        blocks.push({ action: { kind: 'close', client, at }, expect: new Map() });
      } else fail('expected `X+` or `X! close`');
      return;
    }
    const block = blocks.at(-1) ?? fail('an expectation before any action');
    const list = block.expect.get(client) ?? [];
    block.expect.set(client, list);
    if (list.at(-1)?.kind === 'closed' || closed.has(client)) fail(`${client} is already closed`);
    if (op === '~') {
      if (rest !== undefined) fail('`X~` takes nothing after it');
      closed.add(client);
      list.push({ kind: 'closed', at });
    } else {
      const body = unescape(rest ?? '', fail).toString('utf8');
      const prefix = body.endsWith('...');
      list.push({ kind: 'line', text: prefix ? body.slice(0, -3) : body, prefix, at });
    }
  });
  if (blocks.length === 0) throw new Error(`${name}: no steps`);
  return { name, settings, acceptPassword, clients: [...clients], blocks };
}

function unescape(text: string, fail: (why: string) => never): Buffer {
  const bytes: Buffer[] = [];
  const pattern = /\\(x[0-9a-fA-F]{2}|\\)|[^\\]+|\\/g;
  for (const [token, escape] of text.matchAll(pattern)) {
    if (escape === '\\') bytes.push(Buffer.from('\\'));
    else if (escape !== undefined) bytes.push(Buffer.from([parseInt(escape.slice(1), 16)]));
    else if (token === '\\') fail('a lone backslash (write \\\\)');
    else bytes.push(Buffer.from(token, 'utf8'));
  }
  const data = Buffer.concat(bytes);
  if (data.includes(10) || data.includes(13)) fail('a line holds a newline or carriage return');
  return data;
}

/** The transcripts in test/transcripts, parsed, by file name. */
export function loadTranscripts(): Transcript[] {
  // From dist/test/helpers to the sources: the .txt files are not compiled.
  const dir = fileURLToPath(new URL('../../../test/transcripts/', import.meta.url));
  return readdirSync(dir)
    .filter((file) => file.endsWith('.txt'))
    .sort()
    .map((file) => parseTranscript(file, readFileSync(`${dir}${file}`, 'utf8')));
}

function matches(expected: Expectation & { kind: 'line' }, received: string): boolean {
  const actual = withoutResumeToken(received);
  return expected.prefix ? actual.startsWith(expected.text) : actual === expected.text;
}

/**
 * `0:<id>:<token>` as `0:<id>`: a login reply's resume token (protocol §10) is random, so the
 * transcripts leave it out; its shape is checked here instead.
 */
export function withoutResumeToken(line: string): string {
  return line.replace(/^(0:\d+):[A-Za-z0-9_-]{6,}$/, '$1');
}

function show(expected: Expectation): string {
  return JSON.stringify(
    expected.kind === 'closed' ? '(closed)' : expected.text + (expected.prefix ? '...' : ''),
  );
}

/** Fails unless `actual` is the expected line, naming the transcript line. */
function checkLine(name: string, client: string, step: Expectation, actual: string): void {
  assert.ok(
    step.kind === 'line' && matches(step, actual),
    `${name}:${step.at}: client ${client} received ${JSON.stringify(actual)}, expected ${show(step)}`,
  );
}

/** Runs a transcript against `new Relay(...)`, synchronously, answering logins after each input. */
export function runOnCore(transcript: Transcript): void {
  const { name, acceptPassword } = transcript;
  const config = buildConfig([{ source: name, values: transcript.settings }]);
  const received = new Map<ConnId, string[]>();
  const closedByServer = new Set<ConnId>();
  const logins: { connId: ConnId; password: string }[] = [];
  const deliver = (connId: ConnId, data: Buffer): void => {
    const text = data.toString('utf8');
    assert.ok(text.endsWith('\n'), `a line without its newline: ${JSON.stringify(text)}`);
    received.get(connId)?.push(...text.slice(0, -1).split('\n'));
  };
  const emit = (effect: Effect): void => {
    if (effect.type === 'send') deliver(effect.connId, effect.data);
    if (effect.type === 'fanout') {
      for (const connId of effect.connIds) {
        if (connId !== effect.exceptConnId) deliver(connId, effect.data);
      }
    }
    if (effect.type === 'close') closedByServer.add(effect.connId);
    if (effect.type === 'authenticate') logins.push(effect);
  };
  let nextClientId = 1;
  const ids = { next: () => nextClientId++ };
  let nextToken = 1;
  const tokens = { next: () => `token${nextToken++}` };
  const relay = new Relay({ limits: relayLimits(config), ids, emit, tokens });
  const handle: Relay['handle'] = (input) => {
    relay.handle(input);
    for (let login = logins.shift(); login !== undefined; login = logins.shift()) {
      const accepted = acceptPassword === undefined || login.password === acceptPassword;
      relay.handle({ type: 'auth-result', connId: login.connId, accepted });
    }
  };
  // Client X is connection number k when it was the k-th to act; it has read `read[X]` lines.
  const conns = new Map<string, ConnId>();
  const read = new Map<string, number>();
  const expectClosed = new Set<string>();
  for (const { action, expect } of transcript.blocks) {
    let connId = conns.get(action.client);
    if (connId === undefined) {
      connId = conns.size + 1;
      conns.set(action.client, connId);
      received.set(connId, []);
      handle({ type: 'connect', connId, transport: 'tcp', remoteIp: '127.0.0.1' });
    }
    if (action.kind === 'send') handle({ type: 'line', connId, line: action.data });
    if (action.kind === 'close') {
      expectClosed.add(action.client);
      handle({ type: 'disconnect', connId });
    }
    // The core is synchronous: all the action caused is out now, so each client is checked exactly.
    for (const client of transcript.clients) {
      const conn = conns.get(client) ?? -1;
      const lines = received.get(conn) ?? [];
      const got = lines.slice(read.get(client) ?? 0);
      read.set(client, lines.length);
      const wanted = expect.get(client) ?? [];
      const where = `${name}:${action.at} (after ${action.client} acted), client ${client}`;
      const wantedLines = wanted.filter((step) => step.kind === 'line');
      const summary = `received ${JSON.stringify(got)}, expected [${wanted.map(show).join(', ')}]`;
      assert.equal(got.length, wantedLines.length, `${where}: ${summary}`);
      wantedLines.forEach((step, index) => checkLine(name, client, step, got[index] as string));
      if (wanted.some((step) => step.kind === 'closed')) {
        assert.ok(closedByServer.has(conn), `${where}: expected the server to close it`);
        expectClosed.add(client);
      }
      if (closedByServer.has(conn))
        assert.ok(expectClosed.has(client), `${where}: closed unexpectedly`);
    }
  }
}

/** Options of {@link runOverTcp} and {@link runOverWebSocket}. */
export interface TcpRunOptions {
  /** How long each expected line may take. */
  readonly lineTimeoutMs?: number;
  /** How long to watch for unexpected lines at the end. */
  readonly quietMs?: number;
}

/** A transcript's client over TCP to the given port. */
export async function tcpPeer(port: number): Promise<SocketPeer> {
  const client = await LineClient.connect(port);
  return { client, sendLine: (data) => client.write(Buffer.concat([data, Buffer.from('\n')])) };
}

/** The authenticator a transcript's `@accept-password` asks for, if any. */
export function transcriptAuthenticator(transcript: Transcript): Authenticator | undefined {
  const { acceptPassword } = transcript;
  return acceptPassword === undefined
    ? undefined
    : { verify: (_username, password) => Promise.resolve(password === acceptPassword) };
}

/** Runs a transcript over WebSockets against a fresh server: one message per line sent. */
export function runOverWebSocket(
  transcript: Transcript,
  options: TcpRunOptions = {},
): Promise<void> {
  return runOverSockets(transcript, options, async () => {
    const server: TestServer = await startTestServer(
      transcript.settings,
      transcriptAuthenticator(transcript),
    );
    const connect = async (): Promise<SocketPeer> => {
      const client = await WsLineClient.connect(server.httpPort);
      return { client, sendLine: (data) => client.write(data) };
    };
    return { connect, stop: () => server.stop() };
  });
}

/** A transcript's client on some transport: how to read from it and how to send it a line. */
export interface SocketPeer {
  readonly client: Pick<LineClient, 'next' | 'waitClosed' | 'quiet' | 'close' | 'closed'>;
  readonly sendLine: (data: Buffer) => void;
}

/** The server (or servers) a transcript runs against, and how its clients reach them. */
export interface TranscriptWorld {
  /** Connects the `index`-th client of the transcript (in order of first action). */
  connect(index: number): Promise<SocketPeer>;
  stop(): Promise<void>;
  /**
   * Rewrites ids in lines in and out, for servers whose ids do not count from 1 (a cluster):
   * `incoming(actual, expected)` maps a received line to the transcript's ids.
   */
  readonly ids?: {
    incoming(actual: string, expected: string): string;
    outgoing(data: Buffer): Buffer;
  };
}

/** Plays a transcript against the world `start` builds, over real sockets. */
export async function runOverSockets(
  transcript: Transcript,
  options: TcpRunOptions,
  start: () => Promise<TranscriptWorld>,
): Promise<void> {
  const { lineTimeoutMs = 2000, quietMs = 100 } = options;
  const { name } = transcript;
  const world = await start();
  const ids = world.ids;
  const clients = new Map<string, SocketPeer>();
  const expectClosed = new Set<string>();
  try {
    for (const { action, expect } of transcript.blocks) {
      let peer = clients.get(action.client);
      if (peer === undefined) {
        peer = await world.connect(clients.size);
        clients.set(action.client, peer);
      }
      if (action.kind === 'send') peer.sendLine(ids ? ids.outgoing(action.data) : action.data);
      if (action.kind === 'close') {
        expectClosed.add(action.client);
        peer.client.close();
      }
      // Each client's expected lines, in order; they were caused by this action alone.
      for (const [clientName, steps] of expect) {
        const target =
          clients.get(clientName)?.client ?? assert.fail(`${name}: ${clientName} never connected`);
        for (const step of steps) {
          const fail = (error: Error): never =>
            assert.fail(
              `${name}:${step.at}: client ${clientName}, expected ${show(step)}: ${error.message}`,
            );
          if (step.kind === 'closed') {
            expectClosed.add(clientName);
            await target.waitClosed(lineTimeoutMs).catch(fail);
          } else {
            const actual = await target.next(lineTimeoutMs).catch(fail);
            checkLine(name, clientName, step, ids ? ids.incoming(actual, step.text) : actual);
          }
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    for (const [clientName, { client }] of clients) {
      assert.deepEqual(await client.quiet(0), [], `${name}: client ${clientName} received more`);
      const closed = expectClosed.has(clientName);
      assert.equal(
        client.closed,
        closed,
        `${name}: client ${clientName} should be ${closed ? 'closed' : 'open'}`,
      );
    }
  } finally {
    for (const { client } of clients.values()) client.close();
    await world.stop();
  }
}
