/**
 * Sequenced messages, shared by the soak and the attack tests' control group: each sender
 * numbers its messages and stamps them with the send time, and each receiver checks that every
 * sender's numbers arrive complete, in order and once, and records the latency.
 */
import { Histogram } from './histogram.js';
import { nowUs } from './wire.js';

/** The payload of message `seq`: `<seq>:<sentUs>`. */
export function sequencedPayload(seq: number, sentUs: number = nowUs()): string {
  return `${seq}:${sentUs}`;
}

/** A relayed sequenced message, `3:<senderId>:<seq>:<sentUs>`, as read by {@link readSequenced}. */
export interface SequencedMessage {
  readonly senderId: number;
  readonly seq: number;
  readonly sentUs: number;
}

const SEQUENCED = /^3:(\d+):(\d+):(\d+)\r?\n?$/;

/** Reads a relayed sequenced message (line or datagram); undefined for anything else. */
export function readSequenced(line: string): SequencedMessage | undefined {
  const match = SEQUENCED.exec(line);
  if (match === null) return undefined;
  return { senderId: Number(match[1]), seq: Number(match[2]), sentUs: Number(match[3]) };
}

/** What one receiver saw of every sender's sequence. */
export class SequenceCheck {
  /** Latency of every message received, in microseconds. */
  readonly latency = new Histogram();
  /** Numbers skipped (seen later ones first). */
  gaps = 0;
  /** Numbers seen again, or after a later one. */
  duplicates = 0;
  received = 0;
  readonly #next = new Map<number, number>();

  /** Records one message; returns false when it broke the order (a gap or a repeat). */
  receive(message: SequencedMessage, receivedUs: number = nowUs()): boolean {
    this.received += 1;
    this.latency.record(receivedUs - message.sentUs);
    const expected = this.#next.get(message.senderId) ?? 0;
    if (message.seq < expected) {
      this.duplicates += 1;
      return false;
    }
    this.#next.set(message.senderId, message.seq + 1);
    if (message.seq === expected) return true;
    this.gaps += message.seq - expected;
    return false;
  }

  /** Messages of `senderId` that are still due, given that it sent `sent`. */
  due(senderId: number, sent: number): number {
    return Math.max(0, sent - (this.#next.get(senderId) ?? 0));
  }
}
