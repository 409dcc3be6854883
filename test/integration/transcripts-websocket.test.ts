import { describe, it } from 'node:test';
import { loadTranscripts, runOverWebSocket } from '../helpers/transcript.js';

// The same files run against the core (test/unit/transcripts-core.test.ts) and over TCP
// (test/contract/transcripts.ts): one message per line is all the WebSocket adapter adds.
describe('golden transcripts over WebSocket', () => {
  for (const transcript of loadTranscripts()) {
    it(`plays ${transcript.name} line for line`, { timeout: 20_000 }, async () => {
      await runOverWebSocket(transcript);
    });
  }
});
