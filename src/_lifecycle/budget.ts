import type { ResolvedOptions } from "./options.ts";

/**
 * @internal The drain budget, in ms from the trigger: `timeout`, less `cleanupTimeout` when a hook is
 * registered. The delay is served inside it.
 */
export function drainBudget(options: ResolvedOptions, hooks: number): number {
  return options.timeout - (hooks > 0 ? options.cleanupTimeout : 0);
}

/**
 * @internal The delay actually served: `delay`, or half the budget when the delay would take all of it (a hook
 * registered after creation shrank the budget), so that work in flight still has time to finish; cutting
 * it would lose it, while ending the delay early only refuses new requests with a 503.
 */
export function servedDelay(delay: number, budget: number): number {
  return delay > 0 && delay >= budget ? Math.floor(budget / 2) : delay;
}

/** @internal Warns, at a hook's registration, when the budget it leaves is not above the delay. */
export function warnIfDelayTooLong(options: ResolvedOptions, budget: number, hook: string): void {
  const { delay, timeout, cleanupTimeout, logger } = options;
  if (delay === 0 || delay < budget) return;
  logger.warn(
    `cleanup hook "${hook}": "delay" (${delay} ms) is not below the drain budget, "timeout" − "cleanupTimeout" ` +
      `= ${budget} ms (${timeout} − ${cleanupTimeout}); the delay will be cut to ${
        servedDelay(delay, budget)
      } ms. ` +
      `Raise "timeout" or lower "delay" or "cleanupTimeout"`,
    { delay, timeout, cleanupTimeout, drainBudget: budget },
  );
}
