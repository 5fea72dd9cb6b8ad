import type { FetchHandler } from "./fetch.ts";
import type { Runtime } from "./runtimes/detect.ts";
import { nodeHasReusePort } from "./_handover.ts";

/** @internal A running server, whatever the runtime. */
export interface StartedServer {
  hostname: string;
  port: number;
  server: unknown;
  /** Resolves when the server has closed; undefined where the runtime offers no such event (Bun). */
  finished: Promise<void> | undefined;
  /** Closes it now, connections included. */
  close(): Promise<void>;
}

interface StartOptions {
  port?: number;
  hostname?: string;
  tls?: { cert: string; key: string };
  http2?: boolean;
  websocket?: unknown;
  reusePort?: boolean;
}

/** @internal Starts the runtime's own HTTP server for `fetch` and resolves once it listens. */
export async function startServer(
  runtime: Runtime,
  fetch: FetchHandler,
  options: StartOptions,
): Promise<StartedServer> {
  const port = options.port ?? 8000;
  // The runtimes' own server APIs, typed where used: the core type-checks without Deno's or Bun's globals.
  // deno-lint-ignore no-explicit-any
  const g = globalThis as Record<string, any>;
  if (runtime === "deno") {
    const server = g.Deno.serve({
      port,
      ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
      ...(options.tls ?? {}),
      ...(options.reusePort ? { reusePort: true } : {}), // Deno throws without --unstable-net, saying so
      onListen: () => {}, // serve() reports the address itself
      handler: fetch,
    });
    return {
      hostname: server.addr.hostname,
      port: server.addr.port,
      server,
      finished: server.finished,
      close: () => server.shutdown(),
    };
  }
  if (runtime === "bun") {
    const server = g.Bun.serve({
      port,
      ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
      ...(options.tls ? { tls: options.tls } : {}),
      ...(options.websocket ? { websocket: options.websocket } : {}),
      ...(options.reusePort ? { reusePort: true } : {}),
      fetch,
    });
    return {
      hostname: server.hostname,
      port: server.port,
      server,
      finished: undefined,
      close: () => server.stop(true),
    };
  }
  if (runtime === "node") {
    // Imported here only, so that Deno and Bun users never load it and the core needs no dependency.
    const version = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node ??
      "";
    if (options.reusePort && !nodeHasReusePort(version)) {
      // Node 20 would ignore the option, and the second process would fail with EADDRINUSE.
      throw new TypeError(`Cannot serve: "reusePort" needs Node 22.12 or later, this is Node ${version}`);
    }
    const { serve, createAdaptorServer } = await import("@hono/node-server");
    const adaptor = {
      fetch,
      port,
      ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
      ...(await nodeServerOptions(options)),
    };
    // @hono/node-server's serve() listens without options; reusePort needs listen({ reusePort }).
    const server = (options.reusePort
      ? createAdaptorServer(adaptor).listen({ port, host: options.hostname, reusePort: true })
      : serve(adaptor)) as import("node:http").Server;
    if (!server.listening) {
      await new Promise<void>((resolve, reject) => {
        server.once("listening", resolve);
        server.once("error", reject);
      });
    }
    const address = server.address() as import("node:net").AddressInfo;
    return {
      hostname: address.address,
      port: address.port,
      server,
      finished: new Promise((resolve) =>
        server.once("close", () => resolve())
      ),
      close: () =>
        new Promise((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections?.(); // node:http2 servers have none; health servers are never HTTP/2
        }),
    };
  }
  throw new Error(
    `Cannot serve: no server API on this runtime (${runtime}); use shutdown.wrap() with your platform's`,
  );
}

/** `@hono/node-server`'s `createServer`/`serverOptions` for HTTPS, HTTP/2 over TLS, or cleartext HTTP/2. */
async function nodeServerOptions({ tls, http2 }: StartOptions): Promise<Record<string, unknown>> {
  if (http2) {
    const { createSecureServer, createServer } = await import("node:http2");
    return tls
      ? { createServer: createSecureServer, serverOptions: { allowHTTP1: true, ...tls } }
      : { createServer };
  }
  if (tls) return { createServer: (await import("node:https")).createServer, serverOptions: { ...tls } };
  return {};
}
