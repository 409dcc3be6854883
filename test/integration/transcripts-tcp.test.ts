import { describe, it } from 'node:test';
import { loadTranscripts, runOverTcp } from '../helpers/transcript.js';

// The same files run against the pure core in test/unit/transcripts-core.test.ts; passing both
// shows the TCP transport adds nothing to the protocol. Each transcript gets a fresh server, so
// client ids count from 1.
describe('golden transcripts over TCP', () => {
  for (const transcript of loadTranscripts()) {
    it(`plays ${transcript.name} line for line`, { timeout: 20_000 }, async () => {
      await runOverTcp(transcript);
    });
  }
});
