import type { Lifecycle } from "../_lifecycle/lifecycle.ts";
import { describe } from "../_lifecycle/validate.ts";
import type { BunServerLike } from "./bun.ts";
import type { DenoHttpServerLike } from "./deno.ts";
import type { NodeHttpServerLike } from "./node/http.ts";
import type { NodeHttp2ServerLike } from "./node/http2.ts";
import { drainerFor } from "./_select.ts";

/**
 * A server `attach()` can own: a Deno `HttpServer`, a Bun `Server`, or a `node:http`, `node:https` or
 * `node:http2` server.
 *
 * @example Attaching a node:http server
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http";
 * import { type AttachableServer, createShutdown } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const http = createServer();
 * const server: AttachableServer = shutdown.attach(http);
 * assert.equal(server, http);
 * ```
 */
export type AttachableServer = DenoHttpServerLike | BunServerLike | NodeHttpServerLike | NodeHttp2ServerLike;

/** @internal Hands the drainer for `server`'s kind to the lifecycle; a TypeError for anything else. */
export function attachServer<S extends AttachableServer>(lifecycle: Lifecycle, server: S): S {
  const drainer = drainerFor(server, lifecycle);
  if (!drainer) {
    throw new TypeError(
      `Cannot attach: expected a Deno HttpServer, a Bun Server or a node:http(s)/http2 server, received ${
        describe(server)
      }`,
    );
  }
  lifecycle.addDrainer(drainer);
  return server;
}
