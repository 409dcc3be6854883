import { readFileSync } from 'node:fs';
import type { FuzzStep } from './core-fuzz.js';

/** An input of the regression corpus: Latin-1 text, one character per byte. */
export interface CorpusBytes {
  readonly note: string;
  readonly bytes: string;
}

/** A sequence of core inputs of the regression corpus. */
export interface CorpusSequence {
  readonly note: string;
  readonly steps: readonly FuzzStep[];
}

const CORPUS = new URL('../../../test/fuzz-corpus/', import.meta.url);

function load<T>(file: string): T[] {
  return JSON.parse(readFileSync(new URL(file, CORPUS), 'utf8')) as T[];
}

/** Hostile lines (without their newline), from test/fuzz-corpus/lines.json. */
export function corpusLines(): CorpusBytes[] {
  return load<CorpusBytes>('lines.json');
}

export function corpusDatagrams(): CorpusBytes[] {
  return load<CorpusBytes>('datagrams.json');
}

export function corpusSequences(): CorpusSequence[] {
  return load<CorpusSequence>('core-sequences.json');
}
