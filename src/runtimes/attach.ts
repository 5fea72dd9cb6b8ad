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

/** The servers attached so far, each with the lifecycles that own it. */
const attached = new WeakMap<object, WeakSet<Lifecycle>>();

/**
 * @internal Hands the drainer for `server`'s kind to the lifecycle; a TypeError for anything else. Attaching
 * the same server again (the one `serve()` attached) changes nothing: a second drainer would drain it twice.
 */
export function attachServer<S extends AttachableServer>(lifecycle: Lifecycle, server: S): S {
  if (attached.get(server as object)?.has(lifecycle)) return server;
  const drainer = drainerFor(server, lifecycle);
  if (!drainer) {
    throw new TypeError(
      `Cannot attach: expected a Deno HttpServer, a Bun Server or a node:http(s)/http2 server, received ${
        describe(server)
      }`,
    );
  }
  lifecycle.addDrainer(drainer);
  const owners = attached.get(server as object) ?? new WeakSet();
  attached.set(server as object, owners.add(lifecycle));
  return server;
}
