import { describe, it } from 'node:test';
import { loadTranscripts, runOnCore } from '../helpers/transcript.js';

// The same files run over TCP against both sequencers in test/contract/transcripts.ts.
describe('golden transcripts against the core', () => {
  for (const transcript of loadTranscripts()) {
    it(`plays ${transcript.name} line for line`, () => {
      runOnCore(transcript);
    });
  }
});
