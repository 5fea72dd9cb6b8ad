import type { Lifecycle } from "../_lifecycle/lifecycle.ts";
import type { InFlightEntry } from "../_lifecycle/in_flight.ts";

/** @internal The request's own signals, one AbortController each, kept on its in-flight entry. */
export interface RequestControllers {
  signal?: AbortController;
  deadline?: AbortController;
}

/**
 * @internal The request's view of the shutdown's `signal` or `deadline`, built when a handler first reads it.
 *
 * Where the request's entry lives until its response is sent (Deno, Node): a signal of its own, from a plain
 * controller that the lifecycle aborts for the entries still in flight when the shutdown starts (or the drain
 * ends). Listeners a handler adds are then dropped with the request instead of piling up on the shutdown's,
 * and nothing is registered on the shutdown's signals (`AbortSignal.any()` cost 1.5 to 4.7 µs per read and
 * left a WeakRef and a finalizer per request; a controller and its signal cost about 0.1 µs there).
 *
 * On Bun, whose entries end when the handler returns (no completion signal), the shutdown could not reach a
 * controller made for a streamed body; and Bun makes an `AbortController` in about 0.8 µs and an
 * `AbortSignal.any()` in 1.8 µs (measured), a tenth to a quarter of what serving a hello-world request
 * costs it. There, and for a request no longer in flight, the shutdown's own signal: the same aborts, shared,
 * so a listener added to it stays until the shutdown unless removed (`fetch()`, `AbortSignal.any()` and
 * `{ signal }` options remove theirs).
 *
 * It does not follow the client going away: that would mean reading `request.signal`, and merely reading it
 * costs Deno's server 60% of its requests per second (measured), and makes Node's adapter build a full
 * `Request`. A handler that wants it reads `request.signal` itself.
 */
export function requestSignal(
  lifecycle: Lifecycle,
  entry: InFlightEntry | undefined,
  which: keyof RequestControllers,
): AbortSignal {
  const shutdownSignal = which === "signal" ? lifecycle.signal : lifecycle.deadline;
  if (
    shutdownSignal.aborted || entry === undefined || !lifecycle.inFlight.has(entry) ||
    lifecycle.gate.releasesAtReturn
  ) {
    return shutdownSignal;
  }
  const controller = new AbortController();
  entry[which] = controller;
  return controller.signal;
}
