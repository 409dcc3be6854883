import { describe, it } from 'node:test';
import { IdTranslation } from '../helpers/cluster.js';
import type { TestServer } from '../helpers/test-server.js';
import {
  loadTranscripts,
  runOverSockets,
  tcpPeer,
  transcriptAuthenticator,
} from '../helpers/transcript.js';
import type { ContractTarget } from './targets.js';

/**
 * `maxConnections` is a limit of each node, not of the cluster (docs/cluster.md): on several
 * nodes the third client of server-full.txt lands on a node with room to spare.
 */
const PER_NODE = new Set(['server-full.txt']);

/**
 * The golden transcripts (test/transcripts), line for line over real TCP sockets, each against a
 * fresh world of the target: the transcript's clients take turns over the nodes (A on the first,
 * B on the second...). Where ids do not count from 1 (a cluster), they are mapped to the
 * transcript's by login order.
 */
export function transcriptsContract(target: ContractTarget): void {
  const transcripts = loadTranscripts().filter(
    (transcript) => target.nodeCount === 1 || !PER_NODE.has(transcript.name),
  );
  // Each transcript has a world of its own, so a few can wait on their sockets at once.
  describe('the golden transcripts', { concurrency: 3 }, () => {
    for (const transcript of transcripts) {
      it(`plays ${transcript.name} line for line`, { timeout: 30_000 }, async () => {
        const options = { lineTimeoutMs: target.lineTimeoutMs, quietMs: target.quietMs };
        await runOverSockets(transcript, options, async () => {
          const world = await target.start(
            transcript.settings,
            transcriptAuthenticator(transcript),
          );
          const node = (index: number): TestServer =>
            world.nodes[index % world.nodes.length] as TestServer;
          return {
            connect: (index) => tcpPeer(node(index).port),
            stop: () => world.stop(),
            ...(target.idsFromOne ? {} : { ids: new IdTranslation() }),
          };
        });
      });
    }
  });
}
