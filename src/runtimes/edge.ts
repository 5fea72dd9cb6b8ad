import type { RuntimeAdapter } from "./_adapter.ts";
import type { Runtime } from "./detect.ts";
import { listenGlobalErrors } from "./_global_errors.ts";

/**
 * @internal The adapter for runtimes without signals, a process or a server API of their own (workerd,
 * Vercel's Edge Runtime, and whatever `detectRuntime()` does not know): the shutdown is started by hand with
 * `trigger()`, and background work reaches the platform's own `waitUntil` (see `executionContextOf`).
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
    executionContexts: true,
    // Measured: the Edge Runtime's server sends every body chunked, whatever made it.
    nativeBodyLengths: name === "workerd",
  };
}

/** @internal The part of a platform's execution context graceful-drain uses. */
export interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * @internal The execution context a fetch handler was given, if `value` is one: workerd's `ctx` (the third
 * argument of a module Worker's `fetch`, Hono's `c.executionCtx`) or a service-worker `FetchEvent` (the
 * Edge Runtime's `addEventListener("fetch")`, Hono's `app.fire()`); else undefined.
 */
export function executionContextOf(value: unknown): ExecutionContextLike | undefined {
  return typeof (value as Partial<ExecutionContextLike> | undefined)?.waitUntil === "function"
    ? value as ExecutionContextLike
    : undefined;
}
