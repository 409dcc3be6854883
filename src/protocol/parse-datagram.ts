import { isUtf8 } from 'node:buffer';
import type { MessageMode } from './commands.js';
import { parseClientId } from './names.js';

/** A UDP datagram from a client (protocol section 6). */
export type Datagram =
  | {
      readonly type: 'bind';
      readonly clientId: number;
      /** What followed the id, which moves a binding if it is the client's token. */
      readonly proof: string | undefined;
      /** The token form `0:<id>:<token or nothing>`: the answer carries the client's token. */
      readonly wantsToken: boolean;
    }
  | {
      readonly type: 'message';
      readonly clientId: number;
      readonly mode: MessageMode;
      readonly payload: Buffer;
    }
  | {
      readonly type: 'group-message';
      readonly clientId: number;
      readonly group: string;
      readonly payload: Buffer;
    }
  | { readonly type: 'invalid'; readonly clientId: number | undefined };

const COLON = 58;

/** The longest bind proof looked at; a token is far shorter. */
const MAX_PROOF_LENGTH = 64;

/**
 * Parses one datagram. Accepted forms: `0:<id>`, `<id>:0:<anything>` and `0:<id>:<token>` (the
 * token form; client ids start at 1, so `0:` never starts a relay) bind; `<id>:3:<mode>:payload`
 * and `<id>:4:<group>:payload` relay. One trailing `\n` (or `\r\n`) is tolerated. Anything else
 * is `invalid`, with the claimed client id when one could be read, so the core can answer a
 * bound sender and drop the rest.
 */
export function parseDatagram(data: Buffer): Datagram {
  let end = data.length;
  if (end > 0 && data[end - 1] === 10) end -= 1;
  if (end > 0 && data[end - 1] === 13) end -= 1;
  const body = end === data.length ? data : data.subarray(0, end);
  const first = body.indexOf(COLON);
  if (first === -1) return { type: 'invalid', clientId: undefined };
  const head = parseClientId(body.toString('latin1', 0, first));
  const second = body.indexOf(COLON, first + 1);
  const kind = body.toString('latin1', first + 1, second === -1 ? body.length : second);
  if (head === 0) {
    // SEED.txt form `0:<id>`, and the token form `0:<id>:<token>`.
    const clientId = parseClientId(kind);
    if (clientId === undefined) return { type: 'invalid', clientId: head };
    if (second === -1) return { type: 'bind', clientId, proof: undefined, wantsToken: false };
    return { type: 'bind', clientId, proof: proofOf(body, second), wantsToken: true };
  }
  if (second === -1 || head === undefined) return { type: 'invalid', clientId: head };
  if (kind === '0')
    return { type: 'bind', clientId: head, proof: proofOf(body, second), wantsToken: false };
  const rest = body.subarray(second + 1);
  if (!isUtf8(rest)) return { type: 'invalid', clientId: head };
  if (kind === '3') {
    const mode = rest.length >= 2 && rest[1] === COLON ? (rest[0] as number) - 48 : -1;
    if (mode < 0 || mode > 3) return { type: 'invalid', clientId: head };
    return {
      type: 'message',
      clientId: head,
      mode: mode as MessageMode,
      payload: rest.subarray(2),
    };
  }
  if (kind === '4') {
    const colon = rest.indexOf(COLON);
    if (colon === -1) return { type: 'invalid', clientId: head };
    return {
      type: 'group-message',
      clientId: head,
      group: rest.toString('utf8', 0, colon),
      payload: rest.subarray(colon + 1),
    };
  }
  return { type: 'invalid', clientId: head };
}

function proofOf(body: Buffer, colon: number): string | undefined {
  return body.length - colon - 1 > MAX_PROOF_LENGTH
    ? undefined
    : body.toString('latin1', colon + 1);
}
