import { messageOf, runBounded } from "./_bounded.ts";
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
 * budget so that a well-behaved hook can stop. A hook that throws is logged and reported: it never stops
 * the hooks after it.
 */
export async function runHook(hook: Hook, budget: number, clock: Clock, logger: Logger): Promise<HookResult> {
  if (budget <= 0) {
    logger.warn(`cleanup: skipped "${hook.name}", no time left`, { hook: hook.name });
    return { name: hook.name, outcome: "skipped", duration: 0 };
  }
  const start = clock.now();
  const ended = await runBounded(hook.run, budget, clock, `cleanup hook "${hook.name}"`);
  const result: HookResult = {
    name: hook.name,
    outcome: ended.outcome,
    duration: Math.round(clock.now() - start),
  };
  if (ended.outcome === "failed") {
    result.error = messageOf(ended.error);
    logger.error(`cleanup: "${hook.name}" failed: ${result.error}`, { hook: hook.name, error: ended.error });
  } else if (ended.outcome === "timeout") {
    logger.warn(`cleanup: "${hook.name}" timed out after ${result.duration} ms`, { hook: hook.name });
  }
  return result;
}
