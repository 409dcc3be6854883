/**
 * What the room contract runs against: one target per sequencer (core/sequencer.ts). The
 * in-process one is a plain server; the Redis one is a cluster of 1 to 3 nodes on one Redis,
 * each cluster with its own key prefix. Clients take turns over a target's nodes, so with two
 * nodes every room has members on both.
 */
import { after, before, type TestContext } from 'node:test';
import type { Authenticator } from '../../src/auth/authenticator.js';
import { deletePrefix, startCluster, testPrefix } from '../helpers/cluster.js';
import { LineClient } from '../helpers/line-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** Running servers of one target: one in-process server, or the nodes of one cluster. */
export interface ContractWorld {
  readonly nodes: readonly TestServer[];
  stop(): Promise<void>;
}

/** A sequencer to run the contract against, and how to start servers that use it. */
export interface ContractTarget {
  readonly name: string;
  readonly nodeCount: number;
  /** Client ids count from 1 in each world (a fresh single server), as transcripts write them. */
  readonly idsFromOne: boolean;
  /** How long to listen for lines that must not come. */
  readonly quietMs: number;
  /** How long one expected line may take. */
  readonly lineTimeoutMs: number;
  start(settings?: Record<string, unknown>, authenticator?: Authenticator): Promise<ContractWorld>;
}

/** The in-process sequencer (the default): one server, no cluster. */
export const IN_PROCESS: ContractTarget = {
  name: 'the in-process sequencer',
  nodeCount: 1,
  idsFromOne: true,
  quietMs: 100,
  lineTimeoutMs: 5_000,
  async start(settings = {}, authenticator) {
    const server = await startTestServer(settings, authenticator);
    return { nodes: [server], stop: () => server.stop() };
  },
};

/** The Redis sequencer: a cluster of `nodeCount` nodes with a key prefix of its own. */
export function redisTarget(nodeCount: number): ContractTarget {
  return {
    name: `the Redis sequencer on ${nodeCount} node${nodeCount === 1 ? '' : 's'}`,
    nodeCount,
    idsFromOne: false,
    quietMs: 200,
    lineTimeoutMs: 5_000,
    async start(settings = {}, authenticator) {
      const prefix = testPrefix();
      const nodes = await startCluster(nodeCount, prefix, settings, authenticator);
      return {
        nodes,
        async stop() {
          await Promise.all(nodes.map((node) => node.stop()));
          await deletePrefix(prefix);
        },
      };
    },
  };
}

/** A logged-in test client and the node it is connected to. */
export interface Player {
  readonly client: LineClient;
  readonly id: number;
  readonly node: number;
}

/** A world shared by one `describe` block, and the clients its tests opened. */
export interface WorldFixture {
  readonly target: ContractTarget;
  world(): ContractWorld;
  /**
   * Logs in a client on node `node` (modulo the node count), by default the next node in turn;
   * it is closed when the block ends.
   */
  login(username: string, node?: number): Promise<Player>;
  /** `count` clients, logged in one after another, taking turns over the nodes. */
  players(count: number): Promise<Player[]>;
  /** Every client logged in so far, closed ones included. */
  readonly opened: readonly Player[];
}

/** Starts a world before the block's tests and stops it, with every client, after them. */
export function useWorld(
  target: ContractTarget,
  settings: Record<string, unknown> = {},
): WorldFixture {
  let running: ContractWorld | undefined;
  const fixture = fixtureOf(target, () => {
    if (running === undefined) throw new Error(`no world of ${target.name} is running`);
    return running;
  });
  before(async () => {
    running = await target.start(settings);
  });
  after(async () => {
    fixture.closeClients();
    await running?.stop();
  });
  return fixture;
}

/** Starts a world for one test alone, stopped with every client when the test ends. */
export async function worldForTest(
  context: TestContext,
  target: ContractTarget,
  settings: Record<string, unknown> = {},
): Promise<WorldFixture> {
  const running = await target.start(settings);
  const fixture = fixtureOf(target, () => running);
  context.after(async () => {
    fixture.closeClients();
    await running.stop();
  });
  return fixture;
}

function fixtureOf(
  target: ContractTarget,
  world: () => ContractWorld,
): WorldFixture & { closeClients(): void } {
  const opened: Player[] = [];
  const login = async (username: string, turn = opened.length): Promise<Player> => {
    const node = turn % target.nodeCount;
    const server = world().nodes[node] as TestServer;
    const { client, id } = await LineClient.login(server.port, username);
    const player = { client, id, node };
    opened.push(player);
    return player;
  };
  return {
    target,
    world,
    login,
    opened,
    async players(count) {
      const result: Player[] = [];
      for (let index = 0; index < count; index += 1) result.push(await login(`p${index}`));
      return result;
    },
    closeClients() {
      for (const { client } of opened) client.close();
    },
  };
}
