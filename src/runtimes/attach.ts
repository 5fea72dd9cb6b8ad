import type { Lifecycle } from "../_lifecycle/lifecycle.ts";
import { describe } from "../_lifecycle/options.ts";
import { bunDrainer, type BunServerLike } from "./bun.ts";
import { denoDrainer, type DenoHttpServerLike } from "./deno.ts";
import { nodeDrainer, type NodeHttpServerLike } from "./node/http.ts";
import { nodeHttp2Drainer, type NodeHttp2ServerLike } from "./node/http2.ts";
import type { ServerDrainer } from "./_adapter.ts";

/**
 * A server `attach()` can own: a Deno `HttpServer`, a Bun `Server`, or a `node:http`, `node:https` or
 * `node:http2` server.
 *
 * @example Attaching a node:http server
 * ```ts
 * import { createServer } from "node:http";
 * import { type AttachableServer, createShutdown } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const server: AttachableServer = shutdown.attach(createServer());
 * console.log(server !== undefined); // true
 * ```
 */
export type AttachableServer = DenoHttpServerLike | BunServerLike | NodeHttpServerLike | NodeHttp2ServerLike;

/** @internal Picks the runtime's drainer by the server's shape and hands it to the lifecycle. */
export function attachServer<S extends AttachableServer>(lifecycle: Lifecycle, server: S): S {
  lifecycle.addDrainer(drainerFor(server));
  return server;
}

function drainerFor(server: AttachableServer): ServerDrainer {
  const s = server as unknown as Record<string, unknown>;
  if (typeof s?.updateSettings === "function" && typeof s.on === "function") {
    return nodeHttp2Drainer(server as NodeHttp2ServerLike);
  }
  if (typeof s?.closeAllConnections === "function") return nodeDrainer(server as NodeHttpServerLike);
  if (typeof s?.shutdown === "function" && s.finished instanceof Promise) {
    return denoDrainer(server as DenoHttpServerLike);
  }
  if (typeof s?.stop === "function" && typeof s.upgrade === "function") {
    return bunDrainer(server as BunServerLike);
  }
  throw new TypeError(
    `Cannot attach: expected a Deno HttpServer, a Bun Server or a node:http(s)/http2 server, received ${
      describe(server)
    }`,
  );
}
