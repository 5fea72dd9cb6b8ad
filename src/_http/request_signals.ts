import type { Lifecycle } from "../_lifecycle/lifecycle.ts";
import type { InFlightEntry } from "../_lifecycle/in_flight.ts";

/** @internal The request's own signals, one AbortController each, kept on its in-flight entry. */
export interface RequestControllers {
  signal?: AbortController;
  deadline?: AbortController;
}

/**
 * @internal The request's own view of the shutdown's `signal` or `deadline`, built when a handler first reads
 * it: a signal of its own, so that listeners a handler adds are dropped with the request instead of piling up
 * on the shutdown's.
 *
 * It does not follow the client going away: that would mean reading `request.signal`, and merely reading it
 * costs Deno's server 60% of its requests per second (measured), and makes Node's adapter build a full
 * `Request`. A handler that wants it reads `request.signal` itself.
 *
 * Not `AbortSignal.any()` where the request's entry lives until its response is sent (Deno, Node): a plain
 * controller, which the lifecycle aborts for the entries still in flight when the shutdown starts (or the
 * drain ends), registers nothing on the shutdown's signals and leaves nothing behind (`any()` cost 1.5 to
 * 4.7 µs per read and left a WeakRef and a finalizer per request). On Bun the entry ends when the handler
 * returns, before a streamed body does, so the shutdown could no longer reach the controller: there (and for
 * an entry already ended) `AbortSignal.any()`, which costs Bun no more.
 */
export function requestSignal(
  lifecycle: Lifecycle,
  entry: InFlightEntry | undefined,
  which: keyof RequestControllers,
): AbortSignal {
  const shutdownSignal = which === "signal" ? lifecycle.signal : lifecycle.deadline;
  if (shutdownSignal.aborted) return AbortSignal.abort(shutdownSignal.reason);
  if (entry === undefined || !lifecycle.inFlight.has(entry) || lifecycle.gate.releasesAtReturn) {
    return AbortSignal.any([shutdownSignal]);
  }
  const controller = new AbortController();
  entry[which] = controller;
  return controller.signal;
}
