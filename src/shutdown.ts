import { resolveOptions } from "./_lifecycle/options.ts";
import { checkDuration, describe } from "./_lifecycle/validate.ts";
import { runtimeAdapter } from "./runtimes/_select.ts";
import { wrapFetch } from "./_http/wrap.ts";
import { Lifecycle } from "./_lifecycle/lifecycle.ts";
import { lifecycles } from "./_lifecycle/registry.ts";
import type { InFlightCounts } from "./_lifecycle/in_flight.ts";
import type { CleanupOptions, Phase, ShutdownOptions, ShutdownReport } from "./types.ts";
import type { FetchHandler } from "./fetch.ts";
import { type AttachableServer, attachServer } from "./runtimes/attach.ts";
import { Readiness, type ReadinessCheckOptions } from "./health.ts";
import { trackWebSocket, type TrackWebSocketOptions, type WebSocketLike } from "./websockets.ts";

/**
 * A graceful shutdown: its state, its signals, and the means to register work and cleanup with it.
 *
 * @example Observing a shutdown
 * ```ts
 * import { createShutdown, type Shutdown } from "@graceful/drain";
 *
 * const shutdown: Shutdown = createShutdown({ signals: false, logger: false });
 * shutdown.signal.addEventListener("abort", () => console.log("wrapping up"), { once: true });
 * await shutdown.trigger("deploy");
 * console.log(shutdown.phase); // "stopped"
 * ```
 */
export interface Shutdown extends AsyncDisposable {
  /** The current phase: `running`, `unready`, `draining`, `cleanup` or `stopped`. */
  readonly phase: Phase;
  /** Aborts when the shutdown starts: "wrap up". Its reason is a `ShutdownError`. */
  readonly signal: AbortSignal;
  /** Aborts when the drain is over (deadline passed, or nothing left in flight): "stop now". */
  readonly deadline: AbortSignal;
  /** What is in flight now. */
  readonly inFlight: InFlightCounts;
  /** Resolves once, with the report, when stopped. Never rejects. */
  readonly done: Promise<ShutdownReport>;
  /** Starts the shutdown by hand (idempotent); returns `done`. */
  trigger(reason?: unknown): Promise<ShutdownReport>;
  /** Registers a cleanup hook; hooks run last registered first. Returns the function that unregisters it. */
  onCleanup(hook: (signal: AbortSignal) => unknown, options?: CleanupOptions): () => void;
  /** Disposes `resource` (AsyncDisposable or Disposable) in cleanup, like a hook; returns it. */
  use<T extends AsyncDisposable | Disposable>(resource: T, options?: CleanupOptions): T;
  /** Background work that the drain waits for; a rejection is logged and reported, never thrown. */
  waitUntil(promise: PromiseLike<unknown>, options?: { name?: string }): void;
  /**
   * Counts a WebSocket until it closes: 1001 "Going Away" when draining starts (or at the deadline, with
   * `closeAt: "deadline"`), after `beforeClose`; terminated at the deadline. Returns the untrack function,
   * for sockets without a close event of their own (Bun's `ServerWebSocket`: call it in `close`).
   *
   * @throws {TypeError} Not WebSocket-like, or an option of the wrong type.
   * @throws {RangeError} `closeAt` neither `"drain"` nor `"deadline"`.
   *
   * @example Tracking a Deno server WebSocket, with a last message before the close frame
   * ```ts ignore
   * // ignore: needs a WebSocket client and a real signal.
   * import { createShutdown } from "@graceful/drain";
   *
   * const shutdown = createShutdown();
   * Deno.serve(shutdown.wrap((request) => {
   *   const { socket, response } = Deno.upgradeWebSocket(request);
   *   shutdown.trackWebSocket(socket, {
   *     beforeClose: (ws) => ws.send(JSON.stringify({ type: "reconnect", after: 1000 })),
   *   });
   *   return response;
   * }));
   * ```
   */
  trackWebSocket<W extends WebSocketLike>(webSocket: W, options?: TrackWebSocketOptions<W>): () => void;
  /** Wraps a fetch handler: gating, counting, `Connection: close` while shutting down. */
  wrap<H extends FetchHandler>(handler: H): H;
  /** Owns the stop of a Deno `HttpServer`, a Bun `Server` or a `node:http(s)`/`http2` server; returns it. */
  attach<S extends AttachableServer>(server: S): S;
  /** Readiness: 200 while running and every check passes, 503 otherwise. */
  readiness(request?: Request): Promise<Response>;
  /** Liveness: 200 until stopped. */
  liveness(request?: Request): Response;
  /** Registers a readiness check (a database ping, say), bounded by its timeout; returns the unregister function. */
  addReadinessCheck(check: (signal: AbortSignal) => unknown, options?: ReadinessCheckOptions): () => void;
}

/**
 * Creates the graceful shutdown of this process. With the default options it listens to SIGINT and SIGTERM
 * and, on the first, goes `running → unready → draining → cleanup → stopped` within `timeout`, then exits.
 *
 * @param options Durations in milliseconds; see {@linkcode ShutdownOptions} for each default.
 * @returns The shutdown.
 * @throws {TypeError} An option of the wrong type, or an unknown option.
 * @throws {RangeError} A negative, NaN or infinite duration, an unknown signal, or `delay` above `timeout`.
 *
 * @example A manual shutdown with a cleanup hook
 * ```ts
 * import { createShutdown } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false, timeout: 1000 });
 * shutdown.onCleanup(() => console.log("closing the database"), { name: "db" });
 * const report = await shutdown.trigger("deploy");
 * console.log(report.exitCode, report.hooks[0].outcome); // 0 "ok"
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
    const timeout = hookOptions.timeout === undefined
      ? undefined
      : checkDuration(context, "timeout", hookOptions.timeout);
    if (hookOptions.name !== undefined && typeof hookOptions.name !== "string") {
      throw new TypeError(`${context}: "name" must be a string, received ${describe(hookOptions.name)}`);
    }
    hookCount++;
    return lifecycle.addHook({
      name: hookOptions.name || fallbackName || `cleanup #${hookCount}`,
      timeout,
      run,
    });
  };
  const shutdown: Shutdown = {
    get phase() {
      return lifecycle.phase;
    },
    signal: lifecycle.signal,
    deadline: lifecycle.deadline,
    get inFlight() {
      return lifecycle.inFlight.counts();
    },
    done: lifecycle.done,
    trigger: (reason) => lifecycle.trigger("manual", reason),
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
    },
    trackWebSocket: (webSocket, trackOptions) => trackWebSocket(lifecycle, webSocket, trackOptions),
    wrap: (handler) => wrapFetch(lifecycle.gate, handler),
    attach: (server) => attachServer(lifecycle, server),
    readiness: (request) => readiness.respond(request),
    liveness: () => readiness.liveness(),
    addReadinessCheck: (check, checkOptions) => readiness.add(check, checkOptions),
    [Symbol.asyncDispose]: async () => {
      await lifecycle.trigger("dispose");
    },
  };
  lifecycles.set(shutdown, lifecycle);
  return shutdown;
}
