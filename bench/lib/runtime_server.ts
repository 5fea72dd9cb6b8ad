// The runtime's own HTTP server for a fetch handler, as users start it without graceful-drain: Deno.serve,
// Bun.serve, or @hono/node-server on Node (loaded only there). Listens on 127.0.0.1, port 0.
import { detectRuntime } from "../../src/runtimes/detect.ts";

/** A fetch handler as the runtime's server calls it: the request, and what the runtime passes beside it. */
export type RuntimeFetch = (request: Request, context?: unknown) => Response | Promise<Response>;

export interface RuntimeServer {
  /** The port it listens on. */
  port: number;
  /** The server object itself (for `shutdown.attach()`). */
  server: unknown;
  /** Stops it at once, connections included. */
  close(): Promise<void>;
}

export async function startRuntimeServer(fetch: RuntimeFetch): Promise<RuntimeServer> {
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  const runtime = detectRuntime();
  if (runtime === "deno") {
    const server = g.Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, fetch);
    return { port: server.addr.port, server, close: () => server.shutdown() };
  }
  if (runtime === "bun") {
    const server = g.Bun.serve({ port: 0, hostname: "127.0.0.1", fetch });
    return { port: server.port, server, close: () => server.stop(true) };
  }
  const { serve } = await import("@hono/node-server");
  return await new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve({
        port: info.port,
        server,
        close: () =>
          new Promise<void>((done) => {
            (server as { closeAllConnections(): void }).closeAllConnections();
            server.close(() => done());
          }),
      }));
  });
}
