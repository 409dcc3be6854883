import { describe, it } from 'node:test';
import { clusterWorld } from '../helpers/cluster.js';
import {
  loadTranscripts,
  runOverSockets,
  tcpPeer,
  transcriptAuthenticator,
} from '../helpers/transcript.js';

// The golden transcripts, line for line, against clusters of two and three nodes sharing one
// Redis: the transcript's clients take turns over the nodes (A on the first, B on the second,
// C on the third or the first...), so rooms have members on several nodes. Only server-full is left out: maxConnections
// is a limit of each node, not of the cluster (docs/cluster.md).
const PER_NODE = new Set(['server-full.txt']);

for (const nodes of [2, 3]) {
  describe(`golden transcripts over a ${nodes}-node cluster`, () => {
    for (const transcript of loadTranscripts().filter((file) => !PER_NODE.has(file.name))) {
      it(`plays ${transcript.name} line for line`, { timeout: 30_000 }, async () => {
        await runOverSockets(transcript, { lineTimeoutMs: 5_000, quietMs: 200 }, () =>
          clusterWorld(nodes, transcript.settings, transcriptAuthenticator(transcript), tcpPeer),
        );
      });
    }
  });
}
