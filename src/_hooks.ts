import type { Clock } from "./clock.ts";
import type { HookResult, Logger } from "./types.ts";

/** @internal A registered cleanup step: an onCleanup() hook or a use()d resource. */
export interface Hook {
  readonly name: string;
  readonly timeout: number | undefined;
  readonly run: (signal: AbortSignal) => unknown;
}

/**
 * @internal Runs one hook, bounded by `budget` ms of the injected clock. The hook's signal aborts at the
 * budget so that a well-behaved hook can stop; one that ignores it is abandoned, not awaited. A hook that
 * throws is logged and reported: it never stops the hooks after it.
 */
export function runHook(hook: Hook, budget: number, clock: Clock, logger: Logger): Promise<HookResult> {
  const start = clock.now();
  if (budget <= 0) {
    logger.warn(`cleanup: skipped "${hook.name}", no time left`, { hook: hook.name });
    return Promise.resolve({ name: hook.name, outcome: "skipped", duration: 0 });
  }
  const controller = new AbortController();
  return new Promise<HookResult>((resolve) => {
    let settled = false;
    const settle = (outcome: HookResult["outcome"], error?: unknown) => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      const result: HookResult = { name: hook.name, outcome, duration: Math.round(clock.now() - start) };
      if (outcome === "failed") {
        result.error = error instanceof Error ? error.message : String(error);
        logger.error(`cleanup: "${hook.name}" failed: ${result.error}`, { hook: hook.name, error });
      } else if (outcome === "timeout") {
        logger.warn(`cleanup: "${hook.name}" timed out after ${result.duration} ms`, { hook: hook.name });
      }
      resolve(result);
    };
    const timer = clock.setTimeout(() => {
      controller.abort(new DOMException(`cleanup hook "${hook.name}" timed out`, "TimeoutError"));
      settle("timeout");
    }, budget);
    try {
      Promise.resolve(hook.run(controller.signal)).then(
        () => settle("ok"),
        (error) => settle("failed", error),
      );
    } catch (error) {
      settle("failed", error);
    }
  });
}
