/**
 * Hono middleware for graceful-drain: `graceful(shutdown)` gates and counts requests like
 * `shutdown.wrap()`, and gives handlers `c.var.shutdown` to observe the shutdown; `gracefulUpgrade()` tracks
 * WebSockets and `drainSSE()` ends `streamSSE` streams cleanly.
 *
 * @example A Hono app that drains on SIGTERM
 * ```ts ignore
 * import { Hono } from "hono";
 * import { createShutdown, serve } from "@graceful/drain";
 * import { graceful, type GracefulEnv } from "@graceful/drain/hono";
 *
 * const shutdown = createShutdown();
 * const app = new Hono<GracefulEnv>();
 * app.use(graceful(shutdown));
 * app.get("/report", async (c) => {
 *   const rows = await buildReport({ signal: c.var.shutdown.signal });
 *   return c.json(rows);
 * });
 * await serve(app, { port: 8000, shutdown });
 * ```
 *
 * @module
 */
export * from "./graceful.ts";
export * from "./upgrade.ts";
export * from "./sse.ts";
