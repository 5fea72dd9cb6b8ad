/**
 * The time source of the lifecycle. Injected in tests so that timing logic is checked without real waiting;
 * the default is the runtime's monotonic clock and timers.
 *
 * @example A clock that tests advance by hand
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Clock, createShutdown } from "@graceful/drain";
 *
 * let now = 0;
 * const timers = new Map<number, { at: number; fn: () => void }>();
 * let next = 0;
 * const clock: Clock = {
 *   now: () => now,
 *   setTimeout: (fn, ms) => (timers.set(++next, { at: now + ms, fn }), next),
 *   clearTimeout: (handle) => void timers.delete(handle as number),
 * };
 * const shutdown = createShutdown({ signals: false, logger: false, clock });
 * const report = await shutdown.trigger();
 * assert.equal(report.duration, 0); // the fake time never moved
 * ```
 */
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Calls `fn` after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a pending `setTimeout`. */
  clearTimeout(handle: unknown): void;
}

/**
 * The real clock: `performance.now()` and the global timers.
 *
 * @example Reading the time
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "@graceful/drain";
 *
 * const start = systemClock.now();
 * assert.ok(systemClock.now() >= start);
 * ```
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
