/** A listener of one event; it receives the event's value. */
export type Listener<T> = (value: T) => void;

/** Receives what a listener threw, and the event it was listening to. */
export type ListenerErrorHandler = (error: unknown, event: string) => void;

/** Rethrows from a microtask, where the error is reported as uncaught (as a browser does). */
const rethrowLater: ListenerErrorHandler = (error) =>
  queueMicrotask(() => {
    throw error;
  });

/**
 * A small typed event emitter that runs in browsers and Node alike (no `node:events`). A
 * listener that throws does not stop the others or the emitter: the error goes to
 * `onListenerError`, which by default rethrows it as uncaught from a microtask.
 */
export class TypedEmitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  readonly #onListenerError: ListenerErrorHandler;

  constructor(onListenerError: ListenerErrorHandler = rethrowLater) {
    this.#onListenerError = onListenerError;
  }

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(event, listener);
  }

  /** Adds a listener that runs once. */
  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(event, (value) => {
      off();
      listener(value);
    });
    return off;
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.#listeners.get(event)?.delete(listener as Listener<never>);
  }

  /** How many listeners an event has. */
  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  protected emit<K extends keyof Events>(event: K, value: Events[K]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set] as Listener<Events[K]>[]) {
      try {
        listener(value);
      } catch (error) {
        this.#onListenerError(error, String(event));
      }
    }
  }
}
