/** Steps the cluster failure and hardening tests share. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after } from 'node:test';
import { Redis } from 'ioredis';
import { deletePrefix, REDIS_URL, startCluster } from '../helpers/cluster.js';
import { killHard, spawnNode, type NodeProcess } from '../helpers/cluster-processes.js';
import { LineClient } from '../helpers/line-client.js';
import type { TestServer } from '../helpers/test-server.js';

/**
 * The steps to undo once the suite is done, last first; registers the `after` hook, which also
 * deletes the keys under `prefix` when one is given (a suite on the shared Redis).
 */
export function cleanupAfterAll(prefix?: string): (() => unknown)[] {
  const cleanup: (() => unknown)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
    if (prefix !== undefined) await deletePrefix(prefix);
  });
  return cleanup;
}

/** A node in this process that stays, and one in a process of its own, to kill or stop. */
export async function survivorAndDoomed(
  prefix: string,
  cleanup: (() => unknown)[],
): Promise<{ survivor: TestServer; doomed: NodeProcess }> {
  const [survivor] = (await startCluster(1, prefix)) as [TestServer];
  cleanup.push(() => survivor.stop());
  const doomed = await spawnNode(REDIS_URL, prefix);
  cleanup.push(() => killHard(doomed.child));
  return { survivor, doomed };
}

/** Logs in on `port` and joins `room`, reading up to the master line. */
export async function joined(
  port: number,
  name: string,
  room: string,
): Promise<{ client: LineClient; id: number }> {
  const player = await LineClient.login(port, name);
  player.client.send(`2:${room}`);
  while (!(await player.client.next(5_000)).startsWith('4:'));
  return player;
}

/** Reads lines until one matches; fails after `ms`. */
export async function lineMatching(
  client: LineClient,
  pattern: RegExp,
  ms = 10_000,
): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const line = await client.next(Math.max(1, deadline - Date.now()));
    if (pattern.test(line)) return line;
  }
}

/** The status `/readyz` answers. */
export async function readyStatus(httpPort: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
  await response.arrayBuffer();
  return response.status;
}

/** Resolves once `check` is true, polling every 50 ms; fails after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not true within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resident memory of a process, in MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024;
}

/**
 * Sends room messages of `size` bytes from `client`, `perSecond` of them a second (in batches
 * every 5 ms, never more than 1 MiB waiting in its socket), until `stop()` is called.
 */
export function flood(
  client: LineClient,
  size: number,
  perSecond: number,
): { stop: () => number; written: () => number } {
  const line = `3:0:${'f'.repeat(size)}\n`;
  const started = Date.now();
  let written = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - started) * perSecond) / 1000) - written;
    if (client.socket.destroyed || due <= 0 || client.socket.writableLength > 1024 * 1024) return;
    client.socket.write(line.repeat(due));
    written += due;
  }, 5);
  return {
    written: () => written,
    stop: () => {
      clearInterval(timer);
      return written;
    },
  };
}

/** The CLIENT LIST ids of the connections named `roomwire:<node>:<role>` under a Redis. */
export async function linkIds(url: string, role: string): Promise<string[]> {
  const redis = new Redis(url);
  try {
    const list = String(await redis.client('LIST')).split('\n');
    return list
      .filter((entry) => new RegExp(`name=roomwire:[^ ]+:${role}( |$)`).test(entry))
      .map((entry) => /(?:^| )id=(\d+)/.exec(entry)?.[1] ?? '')
      .sort();
  } finally {
    await redis.quit();
  }
}
