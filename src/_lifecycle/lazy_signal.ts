/**
 * @internal An AbortSignal made on first read: workerd forbids `new AbortController()` (and every
 * `AbortSignal` factory) in a module's global scope, where a Worker calls `createShutdown()`, so nothing
 * may be built before a handler or the trigger asks for it. Aborting before any read only keeps the reason.
 */
export class LazySignal {
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** Aborts once; later calls are ignored. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}
