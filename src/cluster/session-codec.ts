/**
 * The bytes of a session's move between nodes (§10, docs/cluster.md "Resume on another node"),
 * sent on the node channels `P:node:{N}`, beside the lag probe `p|`:
 *
 * - `r|<ticket>|<clientId>|<token>`: the asking node to every other node;
 * - `o|<ticket>|<holderNode>|<room>`: the holder accepts; the session is a member of `room`;
 * - `f|<ticket>|<code>`: the holder refuses;
 * - `s|<ticket>|<header length>|<header JSON><lines>`: the session's state, its lines back to
 *   back after the header, which gives their lengths.
 *
 * A ticket is `<asking node>.<serial>`: whoever holds it knows where to answer.
 */
import type { SessionState } from '../core/cluster-types.js';
import { ERROR_CODES, type ErrorCode } from '../protocol/error-codes.js';

/** A decoded node-channel message of a session move. */
export type SessionMessage =
  | {
      readonly kind: 'ask';
      readonly ticket: string;
      readonly clientId: number;
      readonly token: string;
    }
  | {
      readonly kind: 'accept';
      readonly ticket: string;
      readonly holder: string;
      readonly room: string;
    }
  | { readonly kind: 'refuse'; readonly ticket: string; readonly code: ErrorCode }
  | { readonly kind: 'state'; readonly ticket: string; readonly state: SessionState };

const TICKET = /^[\w-]+\.\d+$/;

/** The node that asked, from its ticket. */
export function nodeOfTicket(ticket: string): string {
  return ticket.slice(0, ticket.lastIndexOf('.'));
}

export function encodeAsk(ticket: string, clientId: number, token: string): Buffer {
  return Buffer.from(`r|${ticket}|${clientId}|${token}`);
}

export function encodeAccept(ticket: string, holder: string, room: string): Buffer {
  return Buffer.from(`o|${ticket}|${holder}|${room}`);
}

export function encodeRefuse(ticket: string, code: ErrorCode): Buffer {
  return Buffer.from(`f|${ticket}|${code}`);
}

export function encodeState(ticket: string, state: SessionState): Buffer {
  const header = Buffer.from(
    JSON.stringify({
      c: state.clientId,
      u: state.username,
      r: state.room,
      g: state.groups,
      f: state.firstSeq,
      l: state.lines.map((line) => line.length),
    }),
  );
  return Buffer.concat([Buffer.from(`s|${ticket}|${header.length}|`), header, ...state.lines]);
}

/** A node-channel message of a session move, or undefined for anything else. */
export function decodeSessionMessage(data: Buffer): SessionMessage | undefined {
  if (data.length < 3 || data[1] !== 0x7c) return undefined;
  const kind = String.fromCharCode(data[0] as number);
  if (kind === 's') return decodeState(data);
  const fields = data.toString('utf8', 2).split('|');
  const ticket = fields[0] ?? '';
  if (!TICKET.test(ticket)) return undefined;
  if (kind === 'r' && fields.length === 3 && /^\d+$/.test(fields[1] ?? '')) {
    return { kind: 'ask', ticket, clientId: Number(fields[1]), token: fields[2] ?? '' };
  }
  if (kind === 'o' && fields.length >= 3) {
    // The room is the rest: a room name may hold `|`.
    return { kind: 'accept', ticket, holder: fields[1] ?? '', room: fields.slice(2).join('|') };
  }
  if (kind === 'f' && fields.length === 2) {
    const code = fields[1] ?? '';
    return {
      kind: 'refuse',
      ticket,
      code: code in ERROR_CODES ? (code as ErrorCode) : 'resume_failed',
    };
  }
  return undefined;
}

function decodeState(data: Buffer): SessionMessage | undefined {
  const ticketEnd = data.indexOf(0x7c, 2);
  const lengthEnd = ticketEnd < 0 ? -1 : data.indexOf(0x7c, ticketEnd + 1);
  if (lengthEnd < 0) return undefined;
  const ticket = data.toString('latin1', 2, ticketEnd);
  const headerLength = Number(data.toString('latin1', ticketEnd + 1, lengthEnd));
  if (!TICKET.test(ticket) || !Number.isSafeInteger(headerLength)) return undefined;
  const headerEnd = lengthEnd + 1 + headerLength;
  if (headerEnd > data.length) return undefined;
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(data.toString('utf8', lengthEnd + 1, headerEnd)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { c, u, r, g, f, l } = header;
  const valid =
    Number.isSafeInteger(c) &&
    typeof u === 'string' &&
    typeof r === 'string' &&
    Array.isArray(g) &&
    Number.isSafeInteger(f) &&
    Array.isArray(l) &&
    l.every((item) => Number.isSafeInteger(item) && (item as number) >= 0);
  if (!valid) return undefined;
  const lines: Buffer[] = [];
  let at = headerEnd;
  for (const length of l as number[]) {
    if (at + length > data.length) return undefined;
    lines.push(data.subarray(at, at + length));
    at += length;
  }
  const groups = (g as unknown[]).filter(
    (entry): entry is [string, number[]] =>
      Array.isArray(entry) &&
      typeof entry[0] === 'string' &&
      Array.isArray(entry[1]) &&
      (entry[1] as unknown[]).every((id) => Number.isSafeInteger(id)),
  );
  const state: SessionState = {
    clientId: c as number,
    username: u as string,
    room: r as string,
    groups,
    firstSeq: f as number,
    lines,
  };
  return { kind: 'state', ticket, state };
}
