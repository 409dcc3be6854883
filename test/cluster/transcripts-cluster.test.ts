import { describe, it } from 'node:test';
import { clusterWorld } from '../helpers/cluster.js';
import {
  loadTranscripts,
  runOverSockets,
  tcpPeer,
  transcriptAuthenticator,
} from '../helpers/transcript.js';

// The golden transcripts, line for line, against a cluster of two nodes sharing one Redis: the
// transcript's clients take turns over the nodes (A on the first, B on the second, C on the
// first...), so every room has members on both. Only server-full is left out: maxConnections
// is a limit of each node, not of the cluster (docs/cluster.md).
const PER_NODE = new Set(['server-full.txt']);

describe('golden transcripts over a two-node cluster', () => {
  for (const transcript of loadTranscripts().filter((file) => !PER_NODE.has(file.name))) {
    it(`plays ${transcript.name} line for line`, { timeout: 30_000 }, async () => {
      await runOverSockets(transcript, { lineTimeoutMs: 5_000, quietMs: 200 }, () =>
        clusterWorld(2, transcript.settings, transcriptAuthenticator(transcript), tcpPeer),
      );
    });
  }
});
