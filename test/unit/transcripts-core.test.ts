import { describe, it } from 'node:test';
import { loadTranscripts, runOnCore } from '../helpers/transcript.js';

// The same files run over TCP in test/integration/transcripts-tcp.test.ts.
describe('golden transcripts against the core', () => {
  for (const transcript of loadTranscripts()) {
    it(`plays ${transcript.name} line for line`, () => {
      runOnCore(transcript);
    });
  }
});
