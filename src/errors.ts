/**
 * The reason carried by `shutdown.signal` and `shutdown.deadline` when they abort, so that handlers can tell a
 * shutdown apart from a client that went away.
 *
 * @example Telling a shutdown from other aborts
 * ```ts
 * import assert from "node:assert/strict";
 * import { createShutdown, ShutdownError } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * shutdown.trigger("deploy");
 * assert.ok(shutdown.signal.reason instanceof ShutdownError);
 * ```
 */
export class ShutdownError extends Error {
  /**
   * Creates the error.
   *
   * @param message What happened, e.g. `shutdown started (SIGTERM)`.
   * @param options `cause`: the trigger's reason.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ShutdownError";
  }
}
