import { messageOf, runBounded } from "./bounded.ts";
import type { Clock } from "../clock.ts";
import { formatMs } from "./report.ts";
import type { HookResult } from "../report.ts";
import type { Logger } from "../types.ts";

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

/**
 * @internal The registered cleanup hooks and what became of each: run last registered first, each bounded
 * by its own timeout and by what is left of the overall one; the one cut by that timeout (or a second
 * signal) and those never reached are reported too, so that the report names every hook once.
 */
export class CleanupHooks {
  readonly results: HookResult[] = [];
  #hooks: Hook[] = [];
  #ran = new Set<Hook>();
  #running: { hook: Hook; start: number } | undefined;

  get size(): number {
    return this.#hooks.length;
  }

  /** Registers `hook`; returns the function that unregisters it. */
  add(hook: Hook): () => void {
    this.#hooks.push(hook);
    return () => {
      const index = this.#hooks.indexOf(hook);
      if (index !== -1) this.#hooks.splice(index, 1);
    };
  }

  /**
   * Runs the hooks, last registered first, until `stopAt` on `clock`. Resolves true when every hook ran,
   * false when `stillRunning()` turned false meanwhile (a second signal or the overall timeout ended it).
   */
  async run(stopAt: number, clock: Clock, logger: Logger, stillRunning: () => boolean): Promise<boolean> {
    const remaining = Math.max(0, stopAt - clock.now()); // the drain may have closed its servers past it
    logger.info(`cleanup: ${this.size} hook(s), ${formatMs(remaining)} left`, {
      phase: "cleanup",
      hooks: this.size,
      remaining,
    });
    const hooks = this.#hooks.slice().reverse();
    for (const [i, hook] of hooks.entries()) {
      if (!stillRunning()) return false;
      // A hook without its own timeout gets a fair share of what is left, so that one that hangs cannot
      // starve the hooks after it; one that returns early leaves its share to them.
      const left = stopAt - clock.now();
      const budget = Math.min(hook.timeout ?? left / (hooks.length - i), left);
      this.#running = { hook, start: clock.now() };
      const result = await runHook(hook, budget, clock, logger);
      if (!stillRunning()) return false;
      this.#running = undefined;
      this.#ran.add(hook);
      this.results.push(result);
    }
    return true;
  }

  /** Records the hook cut while running (`timeout`, or `skipped` on a second signal) and those never run. */
  recordUnrun(now: number, secondSignal: boolean): void {
    if (this.#running) {
      const { hook, start } = this.#running;
      const outcome = secondSignal ? "skipped" : "timeout";
      this.results.push({ name: hook.name, outcome, duration: Math.round(now - start) });
      this.#ran.add(hook);
      this.#running = undefined;
    }
    for (const hook of this.#hooks.slice().reverse()) {
      if (!this.#ran.has(hook)) this.results.push({ name: hook.name, outcome: "skipped", duration: 0 });
    }
  }
}
