/**
 * How one cleanup hook went, as listed in the report.
 *
 * @example Finding the hooks that failed
 * ```ts
 * import assert from "node:assert/strict";
 * import { createShutdown, type HookResult } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * shutdown.onCleanup(() => {
 *   throw new Error("already closed");
 * }, { name: "db" });
 * const report = await shutdown.trigger();
 * const failed = report.hooks.filter((hook: HookResult) => hook.outcome !== "ok");
 * assert.deepEqual(failed.map((hook) => `${hook.name}: ${hook.error}`), ["db: already closed"]);
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
 * import assert from "node:assert/strict";
 * import { createShutdown, type ShutdownReport } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const report: ShutdownReport = await shutdown.trigger("deploy");
 * assert.equal(report.trigger, "manual");
 * assert.equal(report.exitCode, 0);
 * assert.equal(report.cut.requests, 0);
 * ```
 */
export interface ShutdownReport {
  /** What started it: a signal name, `"manual"`, `"error"` or `"dispose"`. */
  trigger: string;
  /**
   * The reason given to `trigger()`, or the uncaught error. An `Error` is given as a plain
   * `{ name, message, stack }`, so that the report logged as JSON keeps them; the error itself is the `cause`
   * of `shutdown.signal.reason`.
   */
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
 * import assert from "node:assert/strict";
 * import { createShutdown } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const { requests, streams, webSockets, tasks } = shutdown.inFlight;
 * assert.equal(requests + streams + webSockets + tasks, 0);
 * ```
 */
export interface InFlightCounts {
  /**
   * Requests whose handler has not produced a response yet. On node:http servers (Node's `serve()`,
   * `attach()`), every request until its response has been sent: node:http does not tell the two apart.
   */
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
 * import assert from "node:assert/strict";
 * import { createShutdown, type InFlightKind } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const kinds: InFlightKind[] = ["requests", "streams", "webSockets", "tasks"];
 * assert.equal(kinds.reduce((sum, kind) => sum + shutdown.inFlight[kind], 0), 0);
 * ```
 */
export type InFlightKind = keyof InFlightCounts;

/**
 * Something the drain could not finish before the deadline, as listed in the report.
 *
 * @example Listing what was cut
 * ```ts
 * import assert from "node:assert/strict";
 * import { createShutdown, type CutItem } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, exit: false, logger: false });
 * const report = await shutdown.trigger();
 * const cut = report.cutItems.map((item: CutItem) => `${item.kind} ${item.label} after ${item.age} ms`);
 * assert.deepEqual(cut, []);
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
