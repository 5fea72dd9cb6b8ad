import type { Clock } from "./clock.ts";

/**
 * The lifecycle's phases, entered once each, in this order.
 *
 * @example Waiting for a phase
 * ```ts
 * import { createShutdown, type Phase } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const phase: Phase = shutdown.phase;
 * console.log(phase); // "running"
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
 * import { createShutdown, type Logger } from "@graceful/drain";
 *
 * const line = (level: string) => (message: string, data?: Record<string, unknown>) =>
 *   console.log(JSON.stringify({ level, message, ...data }));
 * const logger: Logger = { info: line("info"), warn: line("warn"), error: line("error") };
 * await createShutdown({ signals: false, logger }).trigger();
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
 * Options of `createShutdown()`. Every duration is in milliseconds.
 *
 * @example Options for a container
 * ```ts
 * import { createShutdown, type ShutdownOptions } from "@graceful/drain";
 *
 * // Inside `docker stop`'s 10 s, with 3 s for hooks, readiness failing for 1 s before the drain.
 * const options: ShutdownOptions = { timeout: 9000, cleanupTimeout: 3000, delay: 1000, signals: false };
 * const shutdown = createShutdown({ ...options, logger: false });
 * console.log(shutdown.phase); // "running"
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
   * sending new connections before the listener closes.
   * @default {0} (5000 where `KUBERNETES_SERVICE_HOST` is set)
   */
  delay?: number;
  /**
   * Time kept for cleanup hooks at the end of `timeout`: the drain ends at `timeout - cleanupTimeout`. Clamped
   * to half of `timeout`; 0 when no hook or resource is registered at the trigger.
   * @default {2000}
   */
  cleanupTimeout?: number;
  /**
   * OS signals that start the shutdown, or `false` for manual use only (`trigger()`).
   * @default {["SIGINT", "SIGTERM"]} (`["SIGINT", "SIGBREAK"]` on Windows; `false` where the runtime has none)
   */
  signals?: readonly string[] | false;
  /**
   * Exit the process when stopped, with code 0 (all finished), 1 (something cut or failed, or an uncaught
   * error) or 128 + n (a second signal n).
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
 * import { createShutdown } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * shutdown.onCleanup(() => console.log("flushing logs"), { name: "logs", timeout: 500 });
 * const report = await shutdown.trigger();
 * console.log(report.hooks[0].name); // "logs"
 * ```
 */
export interface CleanupOptions {
  /** Shown in logs and the report. @default {the function's name, or "cleanup #n"} */
  name?: string;
  /** The most this hook may take; it never gets more than what is left of the overall `timeout`. */
  timeout?: number;
}

/**
 * How one cleanup hook went, as listed in the report.
 *
 * @example Finding the hooks that failed
 * ```ts
 * import { createShutdown, type HookResult } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * shutdown.onCleanup(() => {
 *   throw new Error("already closed");
 * }, { name: "db" });
 * const report = await shutdown.trigger();
 * const failed = report.hooks.filter((hook: HookResult) => hook.outcome !== "ok");
 * console.log(failed.map((hook) => `${hook.name}: ${hook.error}`)); // [ "db: already closed" ]
 * ```
 */
export interface HookResult {
  /** The hook's name. */
  name: string;
  /** `ok`, `failed` (threw or rejected), `timeout`, or `skipped` (no time left, or a second signal). */
  outcome: "ok" | "failed" | "timeout" | "skipped";
  /** Milliseconds it ran. */
  duration: number;
  /** The error's message, for `failed`. */
  error?: string;
}

/**
 * What a shutdown did, resolved by `shutdown.done`.
 *
 * @example Reading the report
 * ```ts
 * import { createShutdown, type ShutdownReport } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const report: ShutdownReport = await shutdown.trigger("deploy");
 * console.log(report.trigger, report.exitCode, report.cut.requests); // "manual" 0 0
 * ```
 */
export interface ShutdownReport {
  /** What started it: a signal name, `"manual"`, `"error"` or `"dispose"`. */
  trigger: string;
  /** The reason given to `trigger()`, or the uncaught error. */
  reason: unknown;
  /** Milliseconds after the trigger at which each phase began. */
  phases: { unready?: number; draining: number; cleanup: number; stopped: number };
  /** Milliseconds from the trigger to stopped. */
  duration: number;
  /** Work in flight that finished after the trigger; a request counts once, under `requests`, even if streamed. */
  finished: InFlightCounts;
  /** Requests and WebSocket upgrades refused with 503 while draining, before any handler ran. */
  refused: number;
  /** Work still in flight when the drain ended, by kind; `cutItems` lists each. */
  cut: InFlightCounts;
  /**
   * WebSockets tracked by `trackWebSocket()` that closed during the shutdown with a close handshake (after
   * the 1001, or closed by the client or the application), and those terminated at the deadline.
   */
  webSockets: { closed: number; terminated: number };
  /** Each piece of work cut, with its age. */
  cutItems: CutItem[];
  /** `waitUntil()` tasks that rejected. */
  failedTasks: number;
  /** Each cleanup hook, in the order run. */
  hooks: HookResult[];
  /** Whether connections were force-closed (deadline or second signal). */
  forced: boolean;
  /** The exit code: 0, 1, or 128 + n after a second signal n. */
  exitCode: number;
}

/**
 * What the drain waits for, by kind.
 *
 * @example Logging what the drain waits for
 * ```ts
 * import { createShutdown } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const { requests, streams, webSockets, tasks } = shutdown.inFlight;
 * console.log(requests + streams + webSockets + tasks); // 0
 * ```
 */
export interface InFlightCounts {
  /** Requests whose handler has not produced a response yet. */
  requests: number;
  /** Responses returned by their handler whose body is still being sent (streams, SSE, large bodies). */
  streams: number;
  /** Open WebSockets registered with `trackWebSocket()`. */
  webSockets: number;
  /** Background work registered with `waitUntil()`. */
  tasks: number;
}

/**
 * The kinds of work counted in flight.
 *
 * @example Summing the work in flight
 * ```ts
 * import { createShutdown, type InFlightKind } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const kinds: InFlightKind[] = ["requests", "streams", "webSockets", "tasks"];
 * console.log(kinds.reduce((sum, kind) => sum + shutdown.inFlight[kind], 0)); // 0
 * ```
 */
export type InFlightKind = keyof InFlightCounts;

/**
 * Something the drain could not finish before the deadline, as listed in the report.
 *
 * @example Listing what was cut
 * ```ts
 * import { createShutdown, type CutItem } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, exit: false, logger: false });
 * const report = await shutdown.trigger();
 * const cut = report.cutItems.map((item: CutItem) => `${item.kind} ${item.label} after ${item.age} ms`);
 * console.log(cut); // []
 * ```
 */
export interface CutItem {
  /** What kind of work it was. */
  kind: InFlightKind;
  /** `GET /path` for requests and streams, the task's or socket's name otherwise. */
  label: string;
  /** Milliseconds between its start and the moment it was cut. */
  age: number;
}
