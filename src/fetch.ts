import type { Lifecycle } from "./_lifecycle/lifecycle.ts";
import { abandon, admit, release } from "./_http/gate.ts";

/**
 * Any fetch-style handler: `Deno.serve`'s `(request, info)`, `Bun.serve`'s `(request, server)`,
 * `@hono/node-server`'s `(request, { incoming, outgoing })`, or Hono's `app.fetch`. It may return nothing
 * (Bun, after `server.upgrade()`).
 *
 * @example Wrapping a handler
 * ```ts
 * import { createShutdown, type FetchHandler } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const handler: FetchHandler = () => new Response("hello");
 * const gated = shutdown.wrap(handler);
 * console.log((await gated(new Request("http://localhost/")))?.status); // 200
 * ```
 */
export type FetchHandler = (
  request: Request,
  // `any`: each runtime passes its own context (Deno's info, Bun's server, Node's bindings, Hono's env).
  // deno-lint-ignore no-explicit-any
  ...rest: any[]
) => Response | undefined | Promise<Response | undefined>;

/**
 * @internal Wraps `handler` with the lifecycle's gate: while running it only counts; while `unready` it
 * serves and marks responses `Connection: close`; from `draining` on it refuses before the handler runs.
 */
export function wrapFetch<H extends FetchHandler>(lifecycle: Lifecycle, handler: H): H {
  if (typeof handler !== "function") {
    throw new TypeError(`Cannot wrap: expected a fetch handler function, received ${typeof handler}`);
  }
  lifecycle.gated = true;
  // Fixed parameters, not `...rest`: no array per request. Every runtime passes at most two beside the
  // request (Hono's app.fetch: env and execution context).
  const wrapped = (request: Request, context?: unknown, extra?: unknown) => {
    const entry = admit(lifecycle, request, context);
    if (entry instanceof Response) return entry;
    let result;
    const outer = lifecycle.admitting; // a wrapped handler called inside another one: restore it after
    lifecycle.admitting = entry;
    try {
      result = handler(request, context, extra);
    } catch (error) {
      abandon(lifecycle, entry);
      throw error;
    } finally {
      lifecycle.admitting = outer;
    }
    if (result instanceof Promise) {
      return result.then((response) => release(lifecycle, entry, response, context), (error) => {
        abandon(lifecycle, entry);
        throw error;
      });
    }
    return release(lifecycle, entry, result, context);
  };
  Object.defineProperty(wrapped, "name", { value: handler.name || "wrapped" });
  return wrapped as H;
}
