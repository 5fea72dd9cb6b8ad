import { type ExecutionContextLike, executionContextOf } from "../runtimes/_select.ts";

const ignore = () => {};

/**
 * @internal Hands background work to the platform's own `waitUntil`, on runtimes whose handlers get an
 * execution context (workerd's `ctx`, the Edge Runtime's `FetchEvent`): there the isolate may be evicted, or
 * its request's pending work cancelled, once the response is sent, unless the work was given to `waitUntil`.
 *
 * The gate notes the context of each request it admits (one field write, on those runtimes only), and the
 * latest one seen serves every later call: workerd ties `ctx.waitUntil()` to the request whose code is
 * running, whichever request's `ctx` it is called on (measured), so the work of an `await`ed continuation
 * reaches its own request without an AsyncLocalStorage. A `FetchEvent` keeps the promises of its own
 * request: there the latest request's holds them.
 */
export class PlatformWaitUntil {
  readonly enabled: boolean;
  #latest: ExecutionContextLike | undefined;

  constructor(enabled: boolean) {
    this.enabled = enabled;
  }

  /** The execution context a handler was given (anything else is ignored). */
  note(value: unknown): void {
    const context = executionContextOf(value);
    if (context !== undefined) this.#latest = context;
  }

  /**
   * Passes `promise` to the platform, settled either way: its rejection is logged and reported by the
   * shutdown, once. Nothing happens before a request brought a context, or where the platform refuses
   * (called outside any request).
   */
  forward(promise: PromiseLike<unknown>): void {
    const context = this.#latest;
    if (context === undefined) return;
    try {
      context.waitUntil(Promise.resolve(promise).then(ignore, ignore));
    } catch {
      // No request to hold: the work runs as long as the isolate does.
    }
  }
}
