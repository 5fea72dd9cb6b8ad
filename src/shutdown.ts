import { resolveOptions } from "./_lifecycle/options.ts";
import { checkDuration, checkOptionKeys, describe, invalid, warnIfSeconds } from "./_lifecycle/validate.ts";
import { runtimeAdapter } from "./runtimes/_select.ts";
import { wrapFetch } from "./_http/wrap.ts";
import { Lifecycle } from "./_lifecycle/lifecycle.ts";
import { register } from "./_lifecycle/registry.ts";
import type { Clock } from "./clock.ts";
import type { Logger, Shutdown } from "./types.ts";
import { attachServer } from "./runtimes/attach.ts";
import { Readiness } from "./health.ts";
import { trackWebSocket } from "./websockets.ts";

/**
 * Options of `createShutdown()`. Every duration is in milliseconds.
 *
 * @example Options for a container
 * ```ts
 * import assert from "node:assert/strict";
 * import { createShutdown, type ShutdownOptions } from "@graceful/drain";
 *
 * // Inside `docker stop`'s 10 s, with 3 s for hooks, readiness failing for 1 s before the drain.
 * const options: ShutdownOptions = { timeout: 9000, cleanupTimeout: 3000, delay: 1000, signals: false };
 * const shutdown = createShutdown({ ...options, logger: false });
 * assert.equal(shutdown.phase, "running");
 * ```
 */
export interface ShutdownOptions {
  /**
   * One deadline for the whole shutdown, counted from the trigger: delay, drain and cleanup together. At
   * `timeout` the process exits whatever is still running.
   * @default {8000} (25000 where `KUBERNETES_SERVICE_HOST` is set)
   */
  timeout?: number;
  /**
   * How long to keep serving after the trigger while readiness answers 503, so that load balancers stop
   * sending new connections before the listener closes. Must be below `timeout` (a RangeError otherwise);
   * when hooks leave a drain budget (`timeout - cleanupTimeout`) no longer above it, half the budget is
   * served instead, with a warning.
   * @default {0} (5000 where `KUBERNETES_SERVICE_HOST` is set; 250 in a node:cluster worker and under
   *   systemd's socket activation, where the listener closes at the trigger)
   */
  delay?: number;
  /**
   * Time kept for cleanup hooks at the end of `timeout`: the drain ends at `timeout - cleanupTimeout`. Clamped
   * to half of `timeout`; 0 when no hook or resource is registered at the trigger.
   * @default {2000}
   */
  cleanupTimeout?: number;
  /**
   * Spread the closes of long-lived connections (WebSockets tracked with `trackWebSocket()` or
   * `gracefulUpgrade()`) over this many ms from the start of the drain, each at a random point, at most half
   * of what is left of the drain, so that their clients do not all reconnect to the other instances at the
   * same instant. Each socket can set its own (`spread` in its options). 0 closes them all at once.
   * @default {0}
   */
  spread?: number;
  /**
   * OS signals that start the shutdown, or `false` for manual use only (`trigger()`).
   * @default {["SIGINT", "SIGTERM"]} (`["SIGINT", "SIGBREAK"]` on Windows; `false` where the runtime has none)
   */
  signals?: readonly string[] | false;
  /**
   * End the process when stopped, with code 0 (all finished), 1 (something cut or failed, or an uncaught
   * error) or 128 + n (a second signal n): once its event loop empties, so that the app's own `beforeExit`
   * and `exit` listeners run (at the latest at the deadline), or at once after a second signal; and only
   * once every shutdown of the process has stopped.
   * @default {true when signals are on}
   */
  exit?: boolean;
  /**
   * Where progress and the report go; `false` silences.
   * @default {console}
   */
  logger?: Logger | false;
  /**
   * The `Retry-After` of refused requests, rounded up to whole seconds.
   * @default {1000}
   */
  retryAfter?: number;
  /**
   * Start the shutdown (exit code 1) on an uncaught exception or unhandled rejection.
   * @default {false}
   */
  handleErrors?: boolean;
  /**
   * The time source; tests inject a fake one.
   * @default {systemClock}
   */
  clock?: Clock;
}

/**
 * Options of `shutdown.onCleanup()`.
 *
 * @example A named hook with its own timeout
 * ```ts
 * import assert from "node:assert/strict";
 * import { createShutdown } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const done: string[] = [];
 * shutdown.onCleanup(() => void done.push("flushed logs"), { name: "logs", timeout: 500 });
 * const report = await shutdown.trigger();
 * assert.deepEqual(done, ["flushed logs"]);
 * assert.equal(report.hooks[0].name, "logs");
 * ```
 */
export interface CleanupOptions {
  /** Shown in logs and the report. @default {the function's name, or "cleanup #n"} */
  name?: string;
  /**
   * The most this hook may take; it never gets more than what is left of the overall `timeout`.
   * @default {an equal share of what is left for the hooks not yet run}
   */
  timeout?: number;
}

const HOOK_OPTIONS: ReadonlySet<string> = new Set(["name", "timeout"] satisfies Array<keyof CleanupOptions>);

/**
 * Creates the graceful shutdown of this process. With the default options it listens to SIGINT and SIGTERM
 * and, on the first, goes `running → unready → draining → cleanup → stopped` within `timeout`, then exits.
 *
 * @param options Durations in milliseconds; see {@linkcode ShutdownOptions} for each default.
 * @returns The shutdown.
 * @throws {TypeError} An option of the wrong type, or an unknown option. A `timeout` below 100 ms is accepted
 *   with a warning: almost surely seconds given for milliseconds.
 * @throws {RangeError} A negative, NaN or infinite duration, an unknown signal, or a `delay` not below `timeout`.
 *
 * @example A manual shutdown with a cleanup hook
 * ```ts
 * import assert from "node:assert/strict";
 * import { createShutdown } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false, timeout: 1000 });
 * const done: string[] = [];
 * shutdown.onCleanup(() => void done.push("closed the database"), { name: "db" });
 * const report = await shutdown.trigger("deploy");
 * assert.deepEqual(done, ["closed the database"]);
 * assert.equal(report.exitCode, 0);
 * assert.equal(report.hooks[0].outcome, "ok");
 * ```
 */
export function createShutdown(options?: ShutdownOptions): Shutdown {
  const lifecycle = new Lifecycle(resolveOptions(options), runtimeAdapter());
  const readiness = new Readiness(lifecycle);
  let hookCount = 0;
  const addHook = (
    run: (signal: AbortSignal) => unknown,
    hookOptions: CleanupOptions,
    fallbackName: string,
  ) => {
    const context = "Cannot register cleanup hook";
    checkOptionKeys(context, hookOptions, HOOK_OPTIONS);
    const timeout = hookOptions.timeout === undefined
      ? undefined
      : checkDuration(context, "timeout", hookOptions.timeout);
    if (hookOptions.name !== undefined && typeof hookOptions.name !== "string") {
      throw invalid(context, "name", "a string", hookOptions.name);
    }
    hookCount++;
    const name = hookOptions.name || fallbackName || `cleanup #${hookCount}`;
    const { logger } = lifecycle.options;
    warnIfSeconds(logger, `cleanup hook "${name}"`, "timeout", timeout);
    if (lifecycle.phase === "cleanup" || lifecycle.phase === "stopped") {
      // The hooks run once, from a list taken when cleanup began: this one would be skipped without a word.
      logger.warn(
        `cleanup hook "${name}" registered in phase ${lifecycle.phase}, after the hooks ran: it will not run. ` +
          `Register cleanup hooks before the shutdown starts`,
        { phase: lifecycle.phase, hook: name },
      );
    }
    return lifecycle.addHook({ name, timeout, run });
  };
  const shutdown: Shutdown = {
    get phase() {
      return lifecycle.phase;
    },
    // Getters: the signals are made on first read, never in a Worker's global scope (see lazy_signal.ts).
    get signal() {
      return lifecycle.signal;
    },
    get deadline() {
      return lifecycle.deadline;
    },
    get inFlight() {
      return lifecycle.inFlight.counts();
    },
    done: lifecycle.done,
    trigger(reason) {
      const done = lifecycle.trigger("manual", reason);
      // In a Worker: the request that triggers holds the isolate until stopped (the drain's timers, hooks).
      lifecycle.gate.platform.forward(done);
      return done;
    },
    onCleanup(hook, hookOptions = {}) {
      if (typeof hook !== "function") {
        throw new TypeError(`Cannot register cleanup hook: expected a function, received ${describe(hook)}`);
      }
      return addHook(hook, hookOptions, hook.name);
    },
    use(resource, hookOptions = {}) {
      const r = resource as Partial<AsyncDisposable & Disposable>;
      const dispose = r?.[Symbol.asyncDispose] ?? r?.[Symbol.dispose];
      if (typeof dispose !== "function") {
        throw new TypeError(
          `Cannot use resource: expected an AsyncDisposable or Disposable, received ${describe(resource)}`,
        );
      }
      addHook(
        () => dispose.call(resource),
        hookOptions,
        (resource as object).constructor?.name ?? "resource",
      );
      return resource;
    },
    waitUntil(promise, taskOptions = {}) {
      if (typeof (promise as PromiseLike<unknown>)?.then !== "function") {
        throw new TypeError(`Cannot wait until: expected a promise, received ${describe(promise)}`);
      }
      lifecycle.waitUntil(promise, taskOptions.name ?? "task");
      lifecycle.gate.platform.forward(promise); // edge runtimes: the work outlives the response
    },
    trackWebSocket: (webSocket, trackOptions) => trackWebSocket(lifecycle, webSocket, trackOptions),
    wrap: (handler) => wrapFetch(lifecycle.gate, handler),
    attach: (server) => attachServer(lifecycle, server),
    readiness: (request) => readiness.respond(request),
    liveness: (request) => readiness.liveness(request),
    addReadinessCheck: (check, checkOptions) => readiness.add(check, checkOptions),
    [Symbol.asyncDispose]: async () => {
      await lifecycle.trigger("dispose");
    },
  };
  register(shutdown, lifecycle);
  return shutdown;
}
