import type { FetchHandler } from "./fetch.ts";
import type { ReadinessCheckOptions } from "./health.ts";
import type { InFlightCounts, ShutdownReport } from "./report.ts";
import type { AttachableServer } from "./runtimes/attach.ts";
import type { CleanupOptions } from "./shutdown.ts";
import type { TrackWebSocketOptions, WebSocketLike } from "./websockets.ts";

/**
 * The lifecycle's phases, entered once each, in this order.
 *
 * @example Waiting for a phase
 * ```ts
 * import assert from "node:assert/strict";
 * import { createShutdown, type Phase } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const phase: Phase = shutdown.phase;
 * assert.equal(phase, "running");
 * ```
 */
export type Phase = "running" | "unready" | "draining" | "cleanup" | "stopped";

/**
 * Where log lines go. Each call gets a one-line message and a structured object (phase, counts, remaining
 * milliseconds, …). For pino, whose argument order is the other way round:
 * `{ info: (m, o) => log.info(o, m), warn: (m, o) => log.warn(o, m), error: (m, o) => log.error(o, m) }`.
 *
 * @example Logging as JSON lines
 * ```ts
 * import assert from "node:assert/strict";
 * import { createShutdown, type Logger } from "@graceful/drain";
 *
 * const lines: string[] = []; // an application would print each line
 * const line = (level: string) => (message: string, data?: Record<string, unknown>) =>
 *   void lines.push(JSON.stringify({ level, message, ...data }));
 * const logger: Logger = { info: line("info"), warn: line("warn"), error: line("error") };
 * await createShutdown({ signals: false, logger }).trigger();
 * assert.equal(JSON.parse(lines[lines.length - 1]).phase, "stopped");
 * ```
 */
export interface Logger {
  /** Phase changes, progress, the report. */
  info(message: string, data?: Record<string, unknown>): void;
  /** Work cut at the deadline, a hook that timed out, a second signal. */
  warn(message: string, data?: Record<string, unknown>): void;
  /** A hook, task or handler that threw; an uncaught error. */
  error(message: string, data?: Record<string, unknown>): void;
}

/**
 * A graceful shutdown: its state, its signals, and the means to register work and cleanup with it.
 *
 * @example Observing a shutdown
 * ```ts
 * import assert from "node:assert/strict";
 * import { createShutdown, type Shutdown } from "@graceful/drain";
 *
 * const shutdown: Shutdown = createShutdown({ signals: false, logger: false });
 * const seen: string[] = [];
 * shutdown.signal.addEventListener("abort", () => seen.push("wrapping up"), { once: true });
 * await shutdown.trigger("deploy");
 * assert.deepEqual(seen, ["wrapping up"]);
 * assert.equal(shutdown.phase, "stopped");
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
