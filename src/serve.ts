import { createShutdown } from "./shutdown.ts";
import type { Shutdown } from "./types.ts";
import type { FetchHandler } from "./fetch.ts";
import { runtimeAdapter } from "./runtimes/_select.ts";
import type { RuntimeAdapter, StartedServer, StartOptions } from "./runtimes/_adapter.ts";
import { probes } from "./_http/probes.ts";
import { serverExecutionContext } from "./_http/execution_context.ts";
import { describe } from "./_lifecycle/validate.ts";
import { checkServeOptions, listenUrl } from "./_serve_options.ts";
import { warnIfRouteBeforeGraceful } from "./_http/route_order.ts";
import { lifecycleOf, processShutdown } from "./_lifecycle/registry.ts";
import { takeListenFd } from "./runtimes/_systemd.ts";

/**
 * Options of `serve()`.
 *
 * @example Serving with probes and a health port
 * ```ts
 * import assert from "node:assert/strict";
 * import { createShutdown, serve, type ServeOptions } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const options: ServeOptions = { port: 0, hostname: "127.0.0.1", shutdown, readyPath: "/ready", onListen() {} };
 * const served = await serve(() => new Response("hello"), options);
 * assert.equal((await fetch(`http://127.0.0.1:${served.port}/ready`)).status, 200);
 * await shutdown.trigger();
 * ```
 */
export interface ServeOptions {
  /**
   * The port to listen on; 0 picks a free one. Under systemd's socket activation (`LISTEN_FDS` and
   * `LISTEN_PID` naming this process) the socket systemd passed takes its place (fd 3, then 4 for a second
   * `serve()`), on Node; Deno.serve() and Bun.serve() cannot listen on one yet (a TypeError says so).
   * @default {8000}
   */
  port?: number;
  /** The address to listen on. @default {the runtime's default: all interfaces} */
  hostname?: string;
  /**
   * The shutdown that owns this server.
   * @default {the process's shutdown: the first made with signals that has not started, else createShutdown()}
   */
  shutdown?: Shutdown;
  /**
   * Called once listening, with the address it is bound to (port 0 resolved).
   * @default {logs "listening on http://<address>:<port>" through the shutdown's logger}
   */
  onListen?: (address: { hostname: string; port: number }) => void;
  /** Serve HTTPS with this PEM certificate and key. */
  tls?: { cert: string; key: string };
  /**
   * Serve HTTP/2. On Node: through `node:http2`, over TLS with HTTP/1.1 as the ALPN fallback
   * (`allowHTTP1`), without `tls` cleartext HTTP/2 only (h2c, prior knowledge). Deno serves HTTP/2 anyway
   * (by ALPN over TLS, by prior knowledge in cleartext). Bun: `Bun.serve({ http2: true })`, HTTP/2 or 1.1 by
   * ALPN over TLS, h2c by prior knowledge or 1.1 in cleartext. Draining sends each HTTP/2 session a GOAWAY.
   * @default {false}
   */
  http2?: boolean;
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
  /**
   * Listen with `SO_REUSEPORT`, so that a new process can bind the same port while this one still runs (a
   * reload on one host), and close the listener during the shutdown instead of answering new connections
   * with 503: the new process takes them (Node closes it at the trigger, Deno and Bun when the drain begins;
   * give `delay` a second or so, to shed keep-alive clients before). Deno needs `--unstable-net`; Node needs 22.12 or
   * later (an older Node cannot: a TypeError says so); Linux (and BSDs) only. Set `net.ipv4.tcp_migrate_req=1`
   * so that connections queued at the closing listener move to the new one instead of being reset.
   * @default {false}
   */
  reusePort?: boolean;
  /**
   * More options for the runtime's own server, merged into its call: `Bun.serve({ idleTimeout, development,
   * … })`, `Deno.serve({ onError, … })`, and on Node the `serverOptions` of `@hono/node-server` (what
   * `http.createServer()`, `https.createServer()` or `http2.createSecureServer()` take: `requestTimeout`,
   * `maxHeaderSize`, …). What `serve()` sets itself (`port`, `hostname`, `tls`, the handler, `onListen`,
   * `signal`) is a TypeError here: use its own options. On Node over HTTP/1.x, each response is of a
   * subclass of `ServerResponse` (yours, when given here) that ends its request's count when it closes.
   * @default {{}}
   */
  serverOptions?: Record<string, unknown>;
}

/**
 * A server started by `serve()`.
 *
 * @example Reading the port chosen for port 0
 * ```ts
 * import assert from "node:assert/strict";
 * import { createShutdown, serve, type Served } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const served: Served = await serve(() => new Response("hello"), { port: 0, shutdown, onListen() {} });
 * assert.ok(served.port > 0);
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
  /** The runtime's own server: a Deno `HttpServer`, a Bun `Server`, a `node:http(s)`/`node:http2` server. */
  server: unknown;
}

/**
 * Starts the runtime's own server (`Deno.serve`, `Bun.serve`, or `@hono/node-server` on Node, imported only
 * there) with `shutdown.wrap()` and `shutdown.attach()` already wired in.
 *
 * @param app A fetch handler, or an object with a `fetch` method such as a Hono app.
 * @param options Port, hostname, shutdown, TLS, health endpoints.
 * @returns Once listening: the address, the shutdown, and a `finished` promise.
 * @throws {TypeError} When `app` is neither a function nor has a `fetch` method, `shutdown` was not made by
 *   `createShutdown()`, `hostname` is not a non-empty string, `tls` lacks its `cert` or `key` PEM text (a string or bytes),
 *   `serverOptions` is not an object (or sets what `serve()` sets), `http2` is not a boolean,
 *   or `reusePort` is not a boolean (or is `true` on Node before 22.12, which cannot listen with it, or with a
 *   socket systemd passed), or systemd passed a socket (`LISTEN_FDS`) to Deno or Bun, whose servers cannot
 *   listen on one.
 * @throws {RangeError} When `readyPath` or `livePath` does not start with `/`.
 * @throws {Error} On Node, when `@hono/node-server` is not installed (the message says so).
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
 *
 * @example Serving HTTP/2 over TLS (and HTTP/1.1 to clients that do not offer h2)
 * ```ts ignore
 * import { createShutdown, serve } from "@graceful/drain";
 *
 * const tls = { cert: await Deno.readTextFile("cert.pem"), key: await Deno.readTextFile("key.pem") };
 * await serve(() => new Response("hello"), { port: 8443, tls, http2: true, shutdown: createShutdown() });
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
  checkServeOptions(options);
  const shutdown = options.shutdown ?? (processShutdown() as Shutdown | undefined) ?? createShutdown();
  const gated = shutdown.wrap(handler);
  const { readyPath, livePath } = options;
  const probe = readyPath || livePath ? probes(shutdown, readyPath, livePath) : undefined;
  const executionContext = serverExecutionContext(shutdown);
  const { logger } = lifecycleOf(shutdown).options;
  // A Hono app's route order is checked once more at the first request (routes may be added after serve()),
  // then it is one boolean per request. One closure in front of the gate, whatever the options.
  let unchecked = Array.isArray((app as { routes?: unknown }).routes);
  const fetch: FetchHandler = (request, context) => {
    if (unchecked) {
      unchecked = false;
      warnIfRouteBeforeGraceful(app, logger);
    }
    return (probe !== undefined ? probe(request, context) : undefined) ??
      gated(request, context, executionContext);
  };
  const onListen = options.onListen ??
    ((address) => logger.info(`listening on ${listenUrl(address, Boolean(options.tls))}`, { ...address }));
  const runtime = runtimeAdapter();
  const fd = inheritedSocket(runtime, options);
  const main = await start(runtime, fetch, { ...options, fd });
  shutdown.attach(main.server as Parameters<Shutdown["attach"]>[0]);
  // systemd holds the inherited socket too: closed here, it queues new connections for the next process.
  if (options.reusePort || fd !== undefined) runtime.releasePort?.(main.server, lifecycleOf(shutdown));
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
  lifecycleOf(shutdown).announceReady();
  warnIfRouteBeforeGraceful(app, logger);
  return served;
}

async function startHealth(shutdown: Shutdown, options: ServeOptions): Promise<StartedServer> {
  const probe = probes(shutdown, "/ready", "/live");
  const health = await start(runtimeAdapter(), (request, context) => {
    return probe(request, context) ?? new Response("Not Found\n", { status: 404 });
  }, { hostname: options.hostname, port: options.healthPort, tls: options.tls });
  // Not attached: it must answer for the whole drain, and closes only once the shutdown is over.
  void shutdown.done.then(() => health.close());
  return health;
}

/**
 * The listening socket systemd passed (socket activation), which takes the place of `port`; a TypeError with
 * `reusePort`, which would need a socket of its own.
 */
function inheritedSocket(runtime: RuntimeAdapter, options: ServeOptions): number | undefined {
  const fd = takeListenFd(runtime.processManager?.());
  if (fd !== undefined && options.reusePort) {
    throw new TypeError(
      `Cannot serve: "reusePort" and a socket passed by systemd (LISTEN_FDS, fd ${fd}) do not combine: ` +
        `the socket is already bound, and systemd holding it across restarts already hands new connections ` +
        `to the next process`,
    );
  }
  return fd;
}

/** Starts the runtime's own server, or says which runtimes have one. */
function start(runtime: RuntimeAdapter, fetch: FetchHandler, options: StartOptions): Promise<StartedServer> {
  if (!runtime.startServer) {
    throw new TypeError(
      `Cannot serve: the runtime must be Deno, Bun or Node (serve() starts their own server), received ${
        describe(runtime.name)
      }; elsewhere, give shutdown.wrap(handler) to the platform's server`,
    );
  }
  return runtime.startServer(fetch, options);
}
