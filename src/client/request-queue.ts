import type { ServerEvent } from '../protocol/server-events.js';
import { RoomwireError } from './errors.js';
import type { Timers } from './transport.js';

/** Says whether a server event completes a request: `{ value }` when it does. */
export type Answer<T> = (event: ServerEvent) => { readonly value: T } | undefined;

interface Entry {
  readonly line: string;
  readonly answer: Answer<unknown>;
  readonly shortcut: (() => { readonly value: unknown } | undefined) | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: RoomwireError) => void;
}

/** What a {@link RequestQueue} needs from the client. */
export interface RequestQueueOptions {
  readonly send: (line: string) => void;
  readonly timers: Timers;
  readonly timeoutMs: number;
  /** The pending request got no answer in time: the connection is presumed broken. */
  readonly onTimeout: (error: RoomwireError) => void;
}

/**
 * Commands that await an answer, one at a time. The protocol has no request ids, so the answer
 * to a request is recognised by its shape (`0:<id>` for a login, `1:` for a room list...), and
 * a `9:` line that arrives while a request is pending is taken as its refusal. Sending the next
 * request only after the previous one was answered keeps that matching unambiguous for
 * requests; a refusal of an unanswered command (a message, a group) sent meanwhile can still be
 * mistaken for the pending request's (docs/client.md, "Limitations").
 */
export class RequestQueue {
  readonly #options: RequestQueueOptions;
  readonly #waiting: Entry[] = [];
  #pending: Entry | undefined;
  #timer: unknown;

  constructor(options: RequestQueueOptions) {
    this.#options = options;
  }

  /**
   * Queues a request; it is sent once those before it were answered. `shortcut`, asked just
   * before sending, may answer it at once instead (when the server would not answer at all).
   */
  add<T>(
    line: string,
    answer: Answer<T>,
    shortcut?: () => { readonly value: T } | undefined,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = resolve as (value: unknown) => void;
      const entry: Entry = { line, answer, shortcut, resolve: settle, reject };
      this.#waiting.push(entry);
      if (this.#pending === undefined) this.#next();
    });
  }

  /** Shows a server event to the pending request, which resolves if it is its answer. */
  offer(event: ServerEvent): void {
    const pending = this.#pending;
    const answered = pending?.answer(event);
    if (pending === undefined || answered === undefined) return;
    this.#settle();
    pending.resolve(answered.value);
  }

  /** Rejects the pending request with a server refusal; false when none was pending. */
  refuse(error: RoomwireError): boolean {
    const pending = this.#pending;
    if (pending === undefined) return false;
    this.#settle();
    pending.reject(error);
    return true;
  }

  /** Rejects the pending request and all waiting ones (the connection is gone). */
  failAll(error: RoomwireError): void {
    const entries = this.#pending === undefined ? [] : [this.#pending];
    entries.push(...this.#waiting.splice(0));
    this.#pending = undefined;
    this.#options.timers.clearTimeout(this.#timer);
    for (const entry of entries) entry.reject(error);
  }

  #settle(): void {
    this.#options.timers.clearTimeout(this.#timer);
    this.#pending = undefined;
    this.#next();
  }

  #next(): void {
    let entry = this.#waiting.shift();
    for (let early = entry?.shortcut?.(); early !== undefined; early = entry?.shortcut?.()) {
      entry?.resolve(early.value);
      entry = this.#waiting.shift();
    }
    if (entry === undefined) return;
    this.#pending = entry;
    const { timers, timeoutMs } = this.#options;
    this.#timer = timers.setTimeout(() => {
      // Not the line itself in the message: a login line holds a password.
      const error = RoomwireError.client('timeout', `no answer from the server in ${timeoutMs} ms`);
      this.failAll(error);
      this.#options.onTimeout(error);
    }, timeoutMs);
    this.#options.send(entry.line);
  }
}
