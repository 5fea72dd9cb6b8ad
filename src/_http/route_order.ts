import type { Logger } from "../types.ts";

/** @internal Every middleware `graceful()` returned: how a Hono app's route list shows where it stands. */
export const gracefulMiddlewares: WeakSet<object> = new WeakSet();

/** The part of a Hono app's route list read here: Hono records every `use()` and route, in order. */
interface RouteLike {
  readonly method: string;
  readonly path: string;
  readonly handler: unknown;
}

/**
 * @internal The first route of `app` (a Hono app) registered before `graceful()` and under its path: Hono
 * runs handlers in the order they were added, so requests to it never pass the middleware. Undefined when
 * `app` has no route list, no `graceful()`, or none before it. `use()` middleware (method `ALL`) before it
 * is fine: it calls `next()`.
 */
export function routeBeforeGraceful(app: unknown): RouteLike | undefined {
  const routes = (app as { routes?: unknown })?.routes;
  if (!Array.isArray(routes)) return undefined;
  const index = routes.findIndex((route: RouteLike) => gracefulMiddlewares.has(route?.handler as object));
  if (index <= 0) return undefined;
  const prefix = String(routes[index].path).replace(/\*$/, "");
  return (routes as RouteLike[]).slice(0, index)
    .find((route) => route.method !== "ALL" && route.path.startsWith(prefix));
}

/** @internal Warns, once per app, when a route of `app` comes before its `graceful()`. */
export function warnIfRouteBeforeGraceful(app: unknown, logger: Logger): void {
  const route = routeBeforeGraceful(app);
  if (!route || warned.has(app as object)) return;
  warned.add(app as object);
  logger.warn(
    `graceful() is registered after the route ${route.method} ${route.path}: Hono runs handlers in the order ` +
      `they were added, so requests to that route never pass graceful() (c.var.shutdown is undefined there, ` +
      `and with your own server they are not refused while draining). ` +
      `Register it before the routes: app.use(graceful(shutdown)) right after new Hono()`,
    { route: `${route.method} ${route.path}` },
  );
}

const warned = new WeakSet<object>();
