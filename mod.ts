/**
 * Graceful shutdown for servers on Deno, Bun and Node: on SIGTERM or SIGINT, readiness flips to 503, new
 * work is refused (also on reused keep-alive connections), in-flight requests, streams, WebSockets and
 * background tasks finish, cleanup hooks run in order, and the process exits within one deadline.
 *
 * @example A server that drains on SIGTERM
 * ```ts ignore
 * import { createShutdown, serve } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ timeout: 8000 });
 * shutdown.onCleanup(() => db.close(), { name: "db" });
 * await serve((request) => new Response("hello"), { port: 8000, shutdown });
 * ```
 *
 * @module
 */
export * from "./src/shutdown.ts";
export * from "./src/serve.ts";
export * from "./src/runtimes/detect.ts";
export * from "./src/errors.ts";
export * from "./src/clock.ts";
export * from "./src/sse.ts";
export type * from "./src/types.ts";
export type * from "./src/report.ts";
export type { FetchHandler } from "./src/fetch.ts";
export type { ReadinessCheckOptions } from "./src/health.ts";
export type { TrackWebSocketOptions, WebSocketLike } from "./src/websockets.ts";
export type { AttachableServer } from "./src/runtimes/attach.ts";
export type { DenoHttpServerLike } from "./src/runtimes/deno.ts";
export type { BunServerLike } from "./src/runtimes/bun.ts";
export type { NodeHttpServerLike } from "./src/runtimes/node/http.ts";
export type { NodeHttp2ServerLike } from "./src/runtimes/node/http2.ts";
