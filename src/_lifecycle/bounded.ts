import type { Clock } from "../clock.ts";

/** @internal How a bounded call ended. */
export type Bounded<T> =
  | { outcome: "ok"; value: T }
  | { outcome: "failed"; error: unknown }
  | { outcome: "timeout" };

/**
 * @internal Calls a user's function with a signal that aborts after `ms` of the injected clock, and settles
 * with how it ended: never rejects, whether it throws, rejects or hangs. One that ignores its signal is
 * abandoned, not awaited. Shared by cleanup hooks and readiness checks.
 */
export function runBounded<T>(
  run: (signal: AbortSignal) => T | PromiseLike<T>,
  ms: number,
  clock: Clock,
  what: string,
): Promise<Bounded<T>> {
  const controller = new AbortController();
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: Bounded<T>) => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      resolve(result);
    };
    const timer = clock.setTimeout(() => {
      controller.abort(new DOMException(`${what} timed out`, "TimeoutError"));
      settle({ outcome: "timeout" });
    }, ms);
    try {
      Promise.resolve(run(controller.signal)).then(
        (value) => settle({ outcome: "ok", value }),
        (error) => settle({ outcome: "failed", error }),
      );
    } catch (error) {
      settle({ outcome: "failed", error });
    }
  });
}

/** @internal An error's message, or the thrown value as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
