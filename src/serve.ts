import { createShutdown, type Shutdown } from "./shutdown.ts";
import type { FetchHandler } from "./fetch.ts";
import { detectRuntime } from "./runtime.ts";
import { type StartedServer, startServer } from "./_start.ts";
import { pathOf } from "./_url.ts";

/**
 * Options of `serve()`.
 *
 * @example Serving with probes and a health port
 * ```ts
 * import { createShutdown, serve, type ServeOptions } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const options: ServeOptions = { port: 0, hostname: "127.0.0.1", shutdown, readyPath: "/ready", onListen() {} };
 * const served = await serve(() => new Response("hello"), options);
 * console.log((await fetch(`http://127.0.0.1:${served.port}/ready`)).status); // 200
 * await shutdown.trigger();
 * ```
 */
export interface ServeOptions {
  /** The port to listen on; 0 picks a free one. @default {8000} */
  port?: number;
  /** The address to listen on. @default {the runtime's default: all interfaces} */
  hostname?: string;
  /** The shutdown that owns this server. @default {createShutdown()} */
  shutdown?: Shutdown;
  /** Called once listening, with the address (port 0 resolved). @default {logs "listening on …"} */
  onListen?: (address: { hostname: string; port: number }) => void;
  /** Serve HTTPS with this PEM certificate and key. */
  tls?: { cert: string; key: string };
  /** Bun only: the `websocket` handlers of `Bun.serve`, for apps that upgrade with Hono's `hono/bun`. */
  websocket?: unknown;
  /** Answer readiness at this path on this server, before the drain gate (e.g. `"/ready"`). */
  readyPath?: string;
  /** Answer liveness at this path on this server, before the drain gate (e.g. `"/live"`). */
  livePath?: string;
  /**
   * Also serve `/ready` and `/live` on this separate port, open for the whole drain, so that both probes
   * stay answerable after the main listener closed. Closed when stopped.
   */
  healthPort?: number;
}

/**
 * A server started by `serve()`.
 *
 * @example Reading the port chosen for port 0
 * ```ts
 * import { createShutdown, serve, type Served } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const served: Served = await serve(() => new Response("hello"), { port: 0, shutdown, onListen() {} });
 * console.log(served.port > 0); // true
 * await shutdown.trigger();
 * await served.finished;
 * ```
 */
export interface Served {
  /** The address it listens on. */
  hostname: string;
  /** The port it listens on (resolved when 0 was asked). */
  port: number;
  /** The health server's port, when `healthPort` was given. */
  healthPort?: number;
  /** The shutdown that owns it. */
  shutdown: Shutdown;
  /** Resolves when the server has closed. */
  finished: Promise<void>;
  /** The runtime's own server object: a Deno `HttpServer`, a Bun `Server` or a `node:http` Server. */
  server: unknown;
}

/**
 * Starts the runtime's own server (`Deno.serve`, `Bun.serve`, or `@hono/node-server` on Node, imported only
 * there) with `shutdown.wrap()` and `shutdown.attach()` already wired in.
 *
 * @param app A fetch handler, or an object with a `fetch` method such as a Hono app.
 * @param options Port, hostname, shutdown, TLS, health endpoints.
 * @returns Once listening: the address, the shutdown, and a `finished` promise.
 * @throws {TypeError} When `app` is neither a function nor has a `fetch` method.
 *
 * @example Serving a Hono app that drains on SIGTERM
 * ```ts ignore
 * import { Hono } from "hono";
 * import { createShutdown, serve } from "@graceful/drain";
 *
 * const app = new Hono().get("/", (c) => c.text("hello"));
 * const shutdown = createShutdown();
 * await serve(app, { port: 8000, shutdown, readyPath: "/ready" });
 * ```
 */
export async function serve(
  app: FetchHandler | { fetch: FetchHandler },
  options: ServeOptions = {},
): Promise<Served> {
  const handler = typeof app === "function" ? app : app?.fetch?.bind(app);
  if (typeof handler !== "function") {
    throw new TypeError(
      "Cannot serve: expected a fetch handler or an object with a fetch method (a Hono app)",
    );
  }
  const shutdown = options.shutdown ?? createShutdown();
  const gated = shutdown.wrap(handler);
  const { readyPath, livePath } = options;
  const fetch: FetchHandler = readyPath || livePath
    ? (request, ...rest) => {
      const path = pathOf(request.url);
      if (path === readyPath) return shutdown.readiness(request);
      if (path === livePath) return shutdown.liveness(request);
      return gated(request, ...rest);
    }
    : gated;
  const onListen = options.onListen ??
    ((address) => console.info(`[graceful-drain] listening on ${address.hostname}:${address.port}`));
  const main = await startServer(detectRuntime(), fetch, options);
  shutdown.attach(main.server as Parameters<Shutdown["attach"]>[0]);
  const served: Served = {
    hostname: main.hostname,
    port: main.port,
    shutdown,
    finished: main.finished ?? shutdown.done.then(() => {}),
    server: main.server,
  };
  if (options.healthPort !== undefined) {
    const health = await startHealth(shutdown, options);
    served.healthPort = health.port;
  }
  onListen({ hostname: main.hostname, port: main.port });
  return served;
}

async function startHealth(shutdown: Shutdown, options: ServeOptions): Promise<StartedServer> {
  const health = await startServer(detectRuntime(), (request) => {
    const path = pathOf(request.url);
    if (path === "/ready") return shutdown.readiness(request);
    if (path === "/live") return shutdown.liveness(request);
    return new Response("Not Found\n", { status: 404 });
  }, { hostname: options.hostname, port: options.healthPort, tls: options.tls });
  // Not attached: it must answer for the whole drain, and closes only once the shutdown is over.
  void shutdown.done.then(() => health.close());
  return health;
}
