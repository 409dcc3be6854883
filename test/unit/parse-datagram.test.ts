import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parserInputs } from '../helpers/fuzz-inputs.js';
import { parseDatagram } from '../../src/protocol/parse-datagram.js';

/** A parsed datagram with its payload (if any) turned into text, for deepEqual. */
function parsed(data: string | Buffer): unknown {
  const datagram = parseDatagram(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  if ('payload' in datagram) return { ...datagram, payload: datagram.payload.toString('utf8') };
  return datagram;
}

describe('parseDatagram: bind', () => {
  const plain = (clientId: number) => ({
    type: 'bind',
    clientId,
    proof: undefined,
    wantsToken: false,
  });
  const unity = (clientId: number, proof: string) => ({
    type: 'bind',
    clientId,
    proof,
    wantsToken: false,
  });
  const token = (clientId: number, proof: string) => ({
    type: 'bind',
    clientId,
    proof,
    wantsToken: true,
  });

  it('parses the SEED.txt form 0:<id>', () => {
    assert.deepEqual(parsed('0:7'), plain(7));
  });

  it('parses the Unity form <id>:0:<anything>, keeping the anything as a possible proof', () => {
    assert.deepEqual(parsed('7:0:Hello'), unity(7, 'Hello'));
    assert.deepEqual(parsed('7:0:'), unity(7, ''));
    assert.deepEqual(parsed('7:0:a:b:c'), unity(7, 'a:b:c'));
  });

  it('parses the token form 0:<id>:<token>, which asks for the token in the answer', () => {
    assert.deepEqual(parsed('0:7:'), token(7, ''));
    assert.deepEqual(parsed('0:7:Abc_-9'), token(7, 'Abc_-9'));
    // Client ids start at 1: `0:3:...` and `0:4:...` are binds, never relays from client 0.
    assert.deepEqual(parsed('0:3:1:x'), token(3, '1:x'));
    assert.deepEqual(parsed('0:4:g:x'), token(4, 'g:x'));
  });

  it('never keeps a proof longer than a token can be', () => {
    assert.deepEqual(parsed(`0:7:${'a'.repeat(65)}`), { ...token(7, ''), proof: undefined });
    assert.deepEqual(parsed(`7:0:${'a'.repeat(65)}`), plain(7));
  });

  it('binds client 0 in either form', () => {
    assert.deepEqual(parsed('0:0'), plain(0));
    assert.deepEqual(parsed('0:0:Hello'), token(0, 'Hello'));
  });

  it('tolerates a trailing newline or CRLF', () => {
    assert.deepEqual(parsed('0:7\n'), plain(7));
    assert.deepEqual(parsed('0:7\r\n'), plain(7));
    assert.deepEqual(parsed('7:0:Hello\n'), unity(7, 'Hello'));
  });

  it('marks a bind with a non-numeric id as invalid', () => {
    assert.deepEqual(parsed('0:abc'), { type: 'invalid', clientId: 0 });
    assert.deepEqual(parsed('0:'), { type: 'invalid', clientId: 0 });
    assert.deepEqual(parsed('0:-3'), { type: 'invalid', clientId: 0 });
  });
});

describe('parseDatagram: relay', () => {
  for (const mode of [0, 1, 2, 3] as const) {
    it(`parses <id>:3:${mode}:payload`, () => {
      assert.deepEqual(parsed(`12:3:${mode}:hi`), {
        type: 'message',
        clientId: 12,
        mode,
        payload: 'hi',
      });
    });
  }

  it('keeps the rest of the datagram, colons included, as the payload', () => {
    assert.deepEqual(parsed('5:3:1:a:b:c'), {
      type: 'message',
      clientId: 5,
      mode: 1,
      payload: 'a:b:c',
    });
  });

  it('strips a trailing newline from the payload', () => {
    assert.deepEqual(parsed('5:3:0:hi\n'), {
      type: 'message',
      clientId: 5,
      mode: 0,
      payload: 'hi',
    });
    assert.deepEqual(parsed('5:3:0:hi\r\n'), {
      type: 'message',
      clientId: 5,
      mode: 0,
      payload: 'hi',
    });
  });

  it('accepts an empty payload', () => {
    assert.deepEqual(parsed('5:3:0:'), { type: 'message', clientId: 5, mode: 0, payload: '' });
  });

  it('parses <id>:4:<group>:payload', () => {
    assert.deepEqual(parsed('5:4:team:x:y'), {
      type: 'group-message',
      clientId: 5,
      group: 'team',
      payload: 'x:y',
    });
  });

  it('hands the payload on as a slice of the datagram', () => {
    const data = Buffer.from('5:3:1:é😀', 'utf8');
    const datagram = parseDatagram(data);
    assert.ok(datagram.type === 'message');
    assert.deepEqual(datagram.payload, data.subarray(6));
    assert.equal(datagram.payload.buffer, data.buffer);
  });
});

describe('parseDatagram: junk', () => {
  it('marks a datagram without a colon as invalid with no client id', () => {
    assert.deepEqual(parsed('hello'), { type: 'invalid', clientId: undefined });
    assert.deepEqual(parsed(''), { type: 'invalid', clientId: undefined });
    assert.deepEqual(parsed('\n'), { type: 'invalid', clientId: undefined });
  });

  it('marks a non-numeric sender id as invalid with no client id', () => {
    assert.deepEqual(parsed('abc:3:0:x'), { type: 'invalid', clientId: undefined });
    assert.deepEqual(parsed(':3:0:x'), { type: 'invalid', clientId: undefined });
  });

  it('keeps the claimed id of an invalid datagram so a bound sender can be answered', () => {
    assert.deepEqual(parsed('5:3:4:x'), { type: 'invalid', clientId: 5 });
    assert.deepEqual(parsed('5:3:0'), { type: 'invalid', clientId: 5 });
    assert.deepEqual(parsed('5:3:x:y'), { type: 'invalid', clientId: 5 });
    assert.deepEqual(parsed('5:4:group'), { type: 'invalid', clientId: 5 });
    assert.deepEqual(parsed('5:9:x'), { type: 'invalid', clientId: 5 });
    assert.deepEqual(parsed('5:1:x'), { type: 'invalid', clientId: 5 });
  });

  it('marks an <id>:<n> datagram that is not 0:<id> as invalid', () => {
    assert.deepEqual(parsed('7:0'), { type: 'invalid', clientId: 7 });
    assert.deepEqual(parsed('7:3'), { type: 'invalid', clientId: 7 });
  });

  it('marks a relay with an invalid UTF-8 payload as invalid', () => {
    const data = Buffer.concat([Buffer.from('5:3:0:'), Buffer.from([0xff, 0xfe])]);
    assert.deepEqual(parseDatagram(data), { type: 'invalid', clientId: 5 });
  });
});

describe('parseDatagram properties', () => {
  it('never throws on arbitrary bytes', () => {
    const inputs = parserInputs(['0', '1', '3', '4', '7', ':', 'x', '\n', '\r', '€']);
    fc.assert(
      fc.property(inputs, (data) => {
        const datagram = parseDatagram(data);
        assert.ok(['bind', 'message', 'group-message', 'invalid'].includes(datagram.type));
      }),
      { numRuns: 1000 },
    );
  });
});
