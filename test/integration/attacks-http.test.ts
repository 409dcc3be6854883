import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { AdminClient, eventually } from '../helpers/admin-http.js';
import { besideControlGroup } from '../helpers/control-group.js';
import { LineClient } from '../helpers/line-client.js';
import { metricValue } from '../helpers/metrics-text.js';
import { useServerPool } from '../helpers/test-server.js';

/** GETs `path` and resolves with the status (0 when the connection was refused or cut). */
function get(
  port: number,
  path: string,
  options: { localAddress?: string; host?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const request = http.get(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: false,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        headers: { host: options.host ?? `127.0.0.1:${port}` },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', () => resolve({ status: 0, body: '' }));
  });
}

/** A connection that sends half a request and never the rest; records what it was answered. */
interface HalfRequest {
  readonly socket: net.Socket;
  answer: string;
  closed: boolean;
}

function halfRequest(port: number, localAddress: string): Promise<HalfRequest> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    const half: HalfRequest = { socket, answer: '', closed: false };
    socket.on('data', (chunk: Buffer) => (half.answer += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => (half.closed = true));
    socket.on('connect', () => {
      socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `);
      resolve(half);
    });
  });
}

describe(
  'attack: HTTP connections and half-sent requests (issue #15, item 10)',
  { timeout: 60_000 },
  () => {
    const pool = useServerPool();

    it('caps HTTP connections per IP and in all, times half-sent requests out, and keeps the relay port usable', async () => {
      const running = await pool.start({
        httpMaxConnections: 100,
        httpMaxConnectionsPerIp: 40,
        httpHeadersTimeoutMs: 3_000,
        httpRequestTimeoutMs: 4_000,
      });
      const halves: HalfRequest[] = [];
      pool.track({ close: () => halves.forEach(({ socket }) => socket.destroy()) });
      await besideControlGroup(running, async () => {
        const started = Date.now();
        // 60 from each of three addresses: 40 admitted from each, but no more than 100 in all.
        const addresses = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
        const opening = addresses.flatMap((address) =>
          Array.from({ length: 60 }, () => halfRequest(running.httpPort, address)),
        );
        halves.push(...(await Promise.all(opening)));
        await eventually(() => {
          const refused = halves.filter((half) => half.answer.startsWith('HTTP/1.1 503'));
          assert.equal(refused.length, 80);
          assert.ok(refused.every((half) => half.closed));
        });
        const held = halves.filter((half) => !half.closed);
        assert.equal(held.length, 100);
        // The port is full: a new address is refused too, but the relay port serves logins.
        assert.equal(
          (await get(running.httpPort, '/healthz', { localAddress: '127.0.0.5' })).status,
          503,
        );
        const { client } = await LineClient.login(running.port, 'still-welcome');
        pool.track(client);
        // Node's defaults held these for 90 s; now the headers timeout answers 408 and closes.
        await eventually(() => assert.ok(held.every((half) => half.closed)), 6_000);
        assert.ok(held.every((half) => half.answer.startsWith('HTTP/1.1 408')));
        assert.ok(Date.now() - started < 9_000, 'half-sent requests were held too long');
        assert.equal(
          (await get(running.httpPort, '/healthz', { localAddress: '127.0.0.5' })).status,
          200,
        );
        // An operator sees the refusals: 80 over the caps and the one from 127.0.0.5.
        const metrics = (await get(running.httpPort, '/metrics', { localAddress: '127.0.0.5' }))
          .body;
        assert.equal(metricValue(metrics, 'roomwire_http_connections_refused_total'), 81);
        assert.equal(metricValue(metrics, 'roomwire_http_responses_total', { status: '200' }), 1);
      });
    });

    it('answers the admin API only for its own names, so DNS rebinding cannot reach it (item 13)', async () => {
      const running = await pool.start({ adminAllowedHosts: 'admin.example.org' });
      const port = running.httpPort;
      await besideControlGroup(running, async () => {
        for (const path of [
          '/api/clients',
          '/api/rooms',
          '/metrics',
          '/healthz',
          '/readyz',
          '/admin',
        ]) {
          const rebound = await get(port, path, { host: `evil.example:${port}` });
          assert.equal(rebound.status, 403, `${path} answered a foreign Host`);
          assert.match(rebound.body, /adminAllowedHosts/);
        }
        const ours = [
          '127.0.0.1',
          'localhost',
          '[::1]',
          'admin.example.org',
          'ADMIN.example.org.',
          hostname(),
        ];
        for (const name of ours) {
          const answer = await get(port, '/api/clients', { host: `${name}:${port}` });
          assert.equal(answer.status, 200, `/api/clients refused Host ${name}`);
        }
        // The relay's own pages and WebSocket endpoint are for any name (behind any proxy).
        assert.notEqual(
          (await get(port, '/roomwire-client.js', { host: 'game.example' })).status,
          403,
        );
      });
    });

    it('pages and shares the admin lists of a busy server, so readers cost the relay little (item 12)', async () => {
      const running = await pool.start({ adminPageSize: 100, adminSnapshotMs: 1_000 });
      const api = AdminClient.forPort(running.httpPort);
      const crowd: LineClient[] = [];
      for (let index = 0; index < 600; index += 1)
        crowd.push(await LineClient.connect(running.port));
      pool.track(...crowd);
      await besideControlGroup(running, async () => {
        // Three readers polling as fast as they are answered, for a second and a half.
        const until = Date.now() + 1_500;
        const sizes: number[] = [];
        const snapshots = new Set<string>();
        await Promise.all(
          [0, 1, 2].map(async () => {
            while (Date.now() < until) {
              const { status, body } = await api.call('/api/clients');
              assert.equal(status, 200);
              sizes.push((body.clients as unknown[]).length);
              snapshots.add(body.snapshotAt as string);
            }
          }),
        );
        assert.ok(
          sizes.length >= 3 && sizes.every((size) => size === 100),
          `pages of ${sizes.join()}`,
        );
      });
      // The pages walk the whole list once, in connection order.
      const walk = async (): Promise<number[]> => {
        const connIds: number[] = [];
        let offset: number | null = 0;
        while (offset !== null) {
          const { body } = await api.call(`/api/clients?offset=${offset}`);
          connIds.push(...(body.clients as { connId: number }[]).map((client) => client.connId));
          assert.equal(connIds.length, Math.min(body.total as number, offset + 100));
          offset = body.nextOffset as number | null;
        }
        return connIds;
      };
      // Retried if a snapshot aged out mid-walk and the list changed under it.
      const seen = await eventually(walk);
      assert.ok(seen.length >= 600);
      assert.equal(new Set(seen).size, seen.length);
      // A newcomer is listed once the snapshot it missed has aged out.
      const newcomer = await LineClient.connect(running.port);
      pool.track(newcomer);
      await eventually(async () => {
        assert.ok((await walk()).some((connId) => !seen.includes(connId)));
      });
      for (const bad of ['limit=0', 'limit=101', 'offset=-1', 'limit=x']) {
        assert.equal((await api.call(`/api/clients?${bad}`)).status, 400, bad);
      }
      const rooms = await api.call('/api/rooms?limit=5');
      assert.deepEqual([rooms.body.rooms, rooms.body.total, rooms.body.nextOffset], [[], 0, null]);
    });
  },
);
