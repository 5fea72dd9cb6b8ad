import type { RuntimeAdapter } from "./_adapter.ts";
import type { Runtime } from "./detect.ts";
import { listenGlobalErrors } from "./_global_errors.ts";

/**
 * @internal The adapter for runtimes without signals, a process or a server API of their own (workerd, and
 * whatever `detectRuntime()` does not know): the shutdown is started by hand with `trigger()`.
 */
export function edgeAdapter(name: Runtime): RuntimeAdapter {
  return {
    name,
    defaultSignals: () => [],
    listenSignals(signals) {
      if (signals.length > 0) {
        throw new Error(
          `Cannot listen to ${signals[0]}: this runtime has no signal API; use { signals: false }`,
        );
      }
      return () => {};
    },
    listenErrors: listenGlobalErrors,
    exit() {},
    exitWhenIdle() {},
    env: () => undefined,
  };
}
