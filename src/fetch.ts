/**
 * Any fetch-style handler: `Deno.serve`'s `(request, info)`, `Bun.serve`'s `(request, server)`,
 * `@hono/node-server`'s `(request, { incoming, outgoing })`, or Hono's `app.fetch`. It may return nothing
 * (Bun, after `server.upgrade()`).
 *
 * @example Wrapping a handler
 * ```ts
 * import assert from "node:assert/strict";
 * import { createShutdown, type FetchHandler } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const handler: FetchHandler = () => new Response("hello");
 * const gated = shutdown.wrap(handler);
 * assert.equal((await gated(new Request("http://localhost/")))?.status, 200);
 * ```
 */
export type FetchHandler = (
  request: Request,
  // `any`: each runtime passes its own context (Deno's info, Bun's server, Node's bindings, Hono's env).
  // deno-lint-ignore no-explicit-any
  ...rest: any[]
) => Response | undefined | Promise<Response | undefined>;
