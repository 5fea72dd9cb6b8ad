import type { RuntimeAdapter, StartedServer, StartOptions } from "../_adapter.ts";
import type { FetchHandler } from "../../fetch.ts";
import { closeListenerOnly } from "./_internals.ts";
import { nodeProcess, processAdapter } from "./_process.ts";
import { type ResponseClass, selfReleasingResponse } from "./_request_gate.ts";
import { describe } from "../../_lifecycle/validate.ts";

/**
 * @internal Node: signals, errors, exit and environment through `process`; the server through
 * `@hono/node-server`, imported only here so that Deno and Bun users never load it and the core needs no
 * dependency.
 */
export const nodeAdapter: RuntimeAdapter = {
  name: "node",
  ...processAdapter,
  startServer: startNodeServer,
  // Node closes the listener alone, so it does so at the trigger: every connection accepted before then has
  // its request served through the delay (with `Connection: close`), so none is refused by the drain.
  releasePort(server, shutdown) {
    shutdown.onStart(() => closeListenerOnly(server as { close(): unknown }));
  },
};

/** @internal Whether this Node can listen with `reusePort` (added in 22.12 and 23.1). */
export function nodeHasReusePort(version: string): boolean {
  const [major, minor] = version.split(".").map(Number);
  return major >= 24 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/**
 * Not a literal, so that bundlers leave it alone: esbuild (as wrangler runs it) would otherwise inline the
 * package, and its `node:http` imports, into every Worker that imports the core.
 */
const NODE_SERVER: string = "@hono/node-server";

/**
 * The parts of `@hono/node-server` used, typed here rather than imported, so that type-checking the module
 * (`deno check`, `tsc` in a Deno or Bun project) does not need the package that only Node users install.
 */
interface NodeServerModule {
  serve(options: Record<string, unknown>): unknown;
  createAdaptorServer(
    options: Record<string, unknown>,
  ): { listen(options: Record<string, unknown>): unknown };
}

async function startNodeServer(fetch: FetchHandler, options: StartOptions): Promise<StartedServer> {
  const port = options.port ?? 8000;
  const version = nodeProcess().versions?.node ?? "";
  if (options.reusePort && !nodeHasReusePort(version)) {
    // An older Node would ignore the option, and the second process would fail with EADDRINUSE.
    throw new TypeError(`Cannot serve: "reusePort" needs Node 22.12 or later, this is Node ${version}`);
  }
  const { serve, createAdaptorServer } = await loadNodeServer();
  const runtimeOptions = await nodeServerOptions(options);
  const adaptor = {
    fetch,
    port,
    ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
    ...runtimeOptions,
    serverOptions: { ...options.serverOptions, ...runtimeOptions.serverOptions as object },
  };
  // @hono/node-server's serve() listens without options; reusePort and an inherited socket need listen().
  const server =
    (options.fd !== undefined
      ? createAdaptorServer(adaptor).listen({ fd: options.fd })
      : options.reusePort
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
    finished: new Promise((resolve) => server.once("close", () => resolve())),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.(); // node:http2 servers have none; health servers are never HTTP/2
      }),
  };
}

/**
 * `@hono/node-server`, an optional peer dependency (Deno and Bun users never need it), or an error that says
 * which package to install instead of Node's bare ERR_MODULE_NOT_FOUND.
 */
async function loadNodeServer(): Promise<NodeServerModule> {
  try {
    // A specifier in a variable: bundlers (esbuild, wrangler) then leave @hono/node-server and its node:http
    // out of Worker bundles, where serve() is never called.
    return await import(NODE_SERVER) as NodeServerModule;
  } catch (error) {
    const missing = (error as { code?: string })?.code === "ERR_MODULE_NOT_FOUND" &&
      String((error as Error).message).includes("@hono/node-server");
    if (!missing) throw error;
    throw new Error(
      "Cannot serve: serve() on Node needs the package @hono/node-server, which runs fetch handlers on " +
        "node:http (an optional peer dependency, so that Deno and Bun users do not install it). Install it " +
        "beside graceful-drain: npm install @hono/node-server",
      { cause: error },
    );
  }
}

/**
 * `@hono/node-server`'s `createServer`/`serverOptions`: HTTP/2 over TLS or cleartext; HTTPS or HTTP with
 * serve()'s self-releasing `ServerResponse` class (see `selfReleasingResponse()`).
 */
async function nodeServerOptions(
  { tls, http2, serverOptions }: StartOptions,
): Promise<Record<string, unknown>> {
  if (http2) {
    const { createSecureServer, createServer } = await import("node:http2");
    return tls
      ? { createServer: createSecureServer, serverOptions: { allowHTTP1: true, ...tls } }
      : { createServer };
  }
  // node:http and node:https make each response of the class given as `ServerResponse`.
  const ServerResponse = await releasingResponseClass(serverOptions?.ServerResponse);
  if (tls) {
    return {
      createServer: (await import("node:https")).createServer,
      serverOptions: { ...tls, ServerResponse },
    };
  }
  return { serverOptions: { ServerResponse } };
}

/** One class per base (the app's own `ServerResponse`, else node:http's): the gate's calls stay monomorphic. */
const releasingClasses = new WeakMap<ResponseClass, ResponseClass>();

/** The `selfReleasingResponse()` subclass of `base`, or of node:http's `ServerResponse`. */
async function releasingResponseClass(base: unknown): Promise<ResponseClass> {
  if (base !== undefined && typeof base !== "function") {
    throw new TypeError(
      `Cannot serve: "serverOptions.ServerResponse" must be a subclass of node:http's ServerResponse, ` +
        `received ${describe(base)}`,
    );
  }
  const parent = typeof base === "function"
    ? base as ResponseClass
    : (await import("node:http")).ServerResponse as unknown as ResponseClass;
  let releasing = releasingClasses.get(parent);
  if (releasing === undefined) releasingClasses.set(parent, releasing = selfReleasingResponse(parent));
  return releasing;
}
