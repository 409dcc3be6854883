/**
 * What a node publishes to one room channel within one event-loop turn, gathered into one
 * publish (docs/cluster.md, "one publish per room and turn"): fewer commands for Redis to run
 * and fewer messages for every subscribing node to read. Batches leave at the end of the turn
 * (`setImmediate`), or at once when `flush()` is called: the backplane flushes before every
 * other command it sends (a group message, a join or leave script), so the order in which a
 * node's commands reach Redis is still the order in which they were asked for.
 */
export class PublishBatches<Message = Buffer> {
  readonly #batches = new Map<string, Message[]>();
  #scheduled = false;

  /**
   * `send(channel, messages)` publishes one batch, in the order the messages were added (the
   * backplane names a channel by its room, and makes the channel's name once per batch);
   * `together(write)` runs `write`, which sends several batches, so that they leave in one write.
   */
  constructor(
    private readonly send: (channel: string, messages: readonly Message[]) => void,
    private readonly together: (write: () => void) => void = (write) => write(),
  ) {}

  add(channel: string, message: Message): void {
    const batch = this.#batches.get(channel);
    if (batch === undefined) this.#batches.set(channel, [message]);
    else batch.push(message);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Publishes every batch now, in the order of their first message. */
  flush(): void {
    this.#scheduled = false;
    if (this.#batches.size === 0) return;
    if (this.#batches.size === 1) {
      const [channel, messages] = this.#batches.entries().next().value as [string, Message[]];
      this.#batches.clear();
      return this.send(channel, messages);
    }
    const batches = [...this.#batches];
    this.#batches.clear();
    this.together(() => {
      for (const [channel, messages] of batches) this.send(channel, messages);
    });
  }

  /** Drops what has not left yet (the link is lost; it would be dropped anyway). */
  clear(): void {
    this.#batches.clear();
  }
}
