import type { Clock } from "../clock.ts";

/** @internal The lifecycle's timers on the injected clock, all cleared at once when it stops. */
export class Timers {
  readonly #clock: Clock;
  readonly #pending = new Set<unknown>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Calls `callback` after `ms`. */
  after(ms: number, callback: () => void): void {
    const timer = this.#clock.setTimeout(() => {
      this.#pending.delete(timer);
      callback();
    }, ms);
    this.#pending.add(timer);
  }

  clear(): void {
    for (const timer of this.#pending) this.#clock.clearTimeout(timer);
    this.#pending.clear();
  }
}
