import type { Lifecycle } from "../_lifecycle/lifecycle.ts";
import { lifecycleOf } from "../_lifecycle/registry.ts";
import type { Shutdown } from "../types.ts";
import { gracefulMiddlewares } from "../_http/route_order.ts";

/**
 * What `c.var.shutdown` holds: the shutdown's own `signal` and `deadline`, the same objects for every request
 * on every runtime, so that work a handler starts keeps following the shutdown after its response was sent (a
 * `waitUntil()` task, a job that polls `signal.aborted`). Reading them costs nothing per request. A listener
 * you add stays until the shutdown unless you remove it: pass `{ once: true }` and remove it when your work
 * ends, or hand the signal to APIs that remove theirs (`node:timers/promises`, `AbortSignal.any()`;
 * Node's `fetch()` removes its listener only once its request is garbage-collected).
 *
 * @example Passing the request's signal on
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { createShutdown } from "@graceful/drain";
 * import { graceful, type GracefulEnv, type RequestShutdown } from "@graceful/drain/hono";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const app = new Hono<GracefulEnv>().use(graceful(shutdown));
 * app.get("/", (c) => {
 *   const { signal, deadline }: RequestShutdown = c.var.shutdown;
 *   return c.text(`${signal.aborted} ${deadline.aborted}`);
 * });
 * assert.equal(await (await app.request("/")).text(), "false false");
 * ```
 */
export interface RequestShutdown {
  /**
   * Aborts when the shutdown starts: "wrap up". Not when the client goes away: read `c.req.raw.signal` for
   * that (which costs Deno's server most of its throughput; see the README). `shutdown.signal` itself.
   */
  readonly signal: AbortSignal;
  /** Aborts when the drain time is over: "stop now". `shutdown.deadline` itself. */
  readonly deadline: AbortSignal;
}

/**
 * The variables `graceful()` sets.
 *
 * @example Combining with your own variables
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import type { GracefulVariables } from "@graceful/drain/hono";
 *
 * type Env = { Variables: GracefulVariables & { user: string } };
 * const app = new Hono<Env>();
 * app.use(async (c, next) => {
 *   c.set("user", "ada");
 *   await next();
 * });
 * app.get("/", (c) => c.text(c.var.user));
 * assert.equal(await (await app.request("/")).text(), "ada");
 * ```
 */
export interface GracefulVariables {
  /** This request's view of the shutdown. */
  shutdown: RequestShutdown;
}

/**
 * The Hono Env type that makes `c.var.shutdown` typed: `new Hono<GracefulEnv>()`, or intersect it with your
 * own Env.
 *
 * @example Typing c.var.shutdown
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { createShutdown } from "@graceful/drain";
 * import { graceful, type GracefulEnv } from "@graceful/drain/hono";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const app = new Hono<GracefulEnv>();
 * app.use(graceful(shutdown));
 * app.get("/", (c) => c.text(c.var.shutdown.signal.aborted ? "wrapping up" : "working"));
 * assert.equal(await (await app.request("/")).text(), "working");
 * ```
 */
export interface GracefulEnv {
  /** See {@linkcode GracefulVariables}. */
  Variables: GracefulVariables;
}

/**
 * The part of Hono's Context this middleware uses. Structural, so that it works with `npm:hono` and
 * `jsr:@hono/hono` alike without importing either.
 *
 * @example Hono's Context conforms
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import type { GracefulContext } from "@graceful/drain/hono";
 *
 * const app = new Hono().use((c, next) => {
 *   const context: GracefulContext = c;
 *   assert.ok(context.req.raw instanceof Request);
 *   return next();
 * }).get("/", (c) => c.text("ok"));
 * assert.equal((await app.request("/")).status, 200);
 * ```
 */
export interface GracefulContext {
  /** Hono's request wrapper. */
  req: { raw: Request };
  /** The response, readable after `next()`. */
  res: Response;
  /** What the runtime passed beside the request (Deno's info, Bun's server, Node's bindings). */
  env: unknown;
  /**
   * The platform's execution context (workerd's `ctx`, a `FetchEvent`); read on edge runtimes only, where
   * `shutdown.waitUntil()` reaches its `waitUntil`. Hono's getter throws where there is none.
   */
  readonly executionCtx?: unknown;
  /** Sets a variable. */
  set(key: "shutdown", value: RequestShutdown): void;
}

/**
 * The middleware `graceful()` returns, assignable to Hono's `MiddlewareHandler`.
 *
 * @example Registering the middleware first
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { createShutdown } from "@graceful/drain";
 * import { graceful, type GracefulMiddleware } from "@graceful/drain/hono";
 *
 * const middleware: GracefulMiddleware = graceful(createShutdown({ signals: false, logger: false }));
 * const app = new Hono().use(middleware).get("/", (c) => c.text("ok"));
 * assert.equal((await app.request("/")).status, 200);
 * ```
 */
export type GracefulMiddleware = (c: GracefulContext, next: () => Promise<void>) => Promise<Response | void>;

/**
 * Hono middleware with the behaviour of `shutdown.wrap()`: requests count until their response (and
 * streamed body) has been sent; while `unready` responses carry `Connection: close`; from `draining` on new
 * requests get a 503 before any handler runs. Sets `c.var.shutdown` (see {@linkcode RequestShutdown}).
 * Under `serve()`, which gates every request itself, it only sets `c.var.shutdown`: an app that reads
 * `shutdown.signal` instead may leave it out and save what any Hono middleware costs.
 *
 * @param shutdown The shutdown from `createShutdown()`.
 * @returns The middleware; register it first, with `app.use(graceful(shutdown))`.
 *
 * @example Wrapping up a long job when the shutdown starts
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { createShutdown } from "@graceful/drain";
 * import { graceful, type GracefulEnv } from "@graceful/drain/hono";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const app = new Hono<GracefulEnv>();
 * app.use(graceful(shutdown));
 * app.get("/", (c) => c.text(c.var.shutdown.signal.aborted ? "wrapping up" : "working"));
 * const response = await app.request("/");
 * assert.equal(await response.text(), "working");
 * ```
 */
export function graceful(shutdown: Shutdown): GracefulMiddleware {
  const lifecycle = lifecycleOf(shutdown);
  const { gate } = lifecycle;
  gate.install();
  const view = new SharedRequestShutdown(lifecycle);
  /** The request was not gated further out (a server you started, or `app.request()`): gate it here. */
  const gateHere = async (c: GracefulContext, next: () => Promise<void>) => {
    const entry = gate.admit(c.req.raw, c.env, gate.platform.enabled ? executionContextOf(c) : undefined);
    if (entry instanceof Response) return entry;
    c.set("shutdown", view);
    try {
      await next();
    } catch (error) {
      gate.abandon(entry);
      throw error;
    }
    // Hono's `await next()` returns before a streamed body ends: release() counts the body, not the handler.
    const response = gate.release(entry, c.res, c.env) as Response;
    if (response !== c.res) c.res = response;
  };
  // Not an async function: under serve() (the common case) it only sets the variable and hands on next()'s
  // promise, which saves Hono's dispatch one promise and one async frame per request.
  const middleware: GracefulMiddleware = function graceful(c, next) {
    if (gate.admittedBefore(c.req.raw, c.env) === undefined) return gateHere(c, next);
    // Already gated and counted by shutdown.wrap() (serve() wraps every app), whose handler call this
    // middleware runs inside of when it is registered first, or by the node:http server's gate: only expose
    // the signals.
    c.set("shutdown", view);
    return next();
  };
  gracefulMiddlewares.add(middleware); // serve() finds it in the app's routes, to check that it comes first
  return middleware;
}

/** Hono's `c.executionCtx`, or undefined where the runtime passed none (its getter throws then). */
function executionContextOf(c: GracefulContext): unknown {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

/**
 * The shutdown's signals, read through getters: in a Worker's global scope they are made on first read, and
 * one view serves every request.
 */
class SharedRequestShutdown implements RequestShutdown {
  readonly #lifecycle: Lifecycle;

  constructor(lifecycle: Lifecycle) {
    this.#lifecycle = lifecycle;
  }

  get signal(): AbortSignal {
    return this.#lifecycle.signal;
  }

  get deadline(): AbortSignal {
    return this.#lifecycle.deadline;
  }
}
