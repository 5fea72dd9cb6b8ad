import { safely } from "./servers.ts";

/** @internal Callbacks subscribed to one lifecycle event, each called once per emit, a throw reported. */
export class Emitter {
  readonly #callbacks = new Set<() => void>();

  /** Subscribes `callback`; returns the function that unsubscribes it. */
  on(callback: () => void): () => void {
    const entry = () => callback(); // its own identity: the same function subscribed twice is called twice
    this.#callbacks.add(entry);
    return () => this.#callbacks.delete(entry);
  }

  emit(onError: (error: unknown) => void): void {
    for (const callback of this.#callbacks) safely(callback, onError);
  }
}
