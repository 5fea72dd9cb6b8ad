import type { RuntimeAdapter, ServerDrainer, StartedServer, StartOptions } from "./_adapter.ts";
import type { FetchHandler } from "../fetch.ts";
import type { CutItem } from "../report.ts";
import { processAdapter } from "./node/_process.ts";

/**
 * The parts of a Bun `Server` (what `Bun.serve()` returns) this adapter uses.
 *
 * @example What Bun.serve() returns conforms
 * ```ts ignore
 * // ignore: needs the Bun runtime.
 * import type { BunServerLike } from "@graceful/drain";
 *
 * const server: BunServerLike = Bun.serve({ port: 0, fetch: () => new Response("ok") });
 * await server.stop();
 * ```
 */
export interface BunServerLike {
  /**
   * Closes the listener and every idle connection at once. Graceful: resolves once every response has been
   * sent to its last byte and every WebSocket has closed. With `true`: aborts each `request.signal`, cancels
   * streamed bodies, closes WebSockets with 1001 and every connection, and settles an earlier graceful call.
   */
  stop(closeActiveConnections?: boolean): Promise<void>;
}

/** What Bun passes beside each request: its Server, with the per-request idle timeout. */
interface BunServerContext extends BunServerLike {
  upgrade(request: Request, options?: unknown): boolean;
  timeout(request: Request, seconds: number): void;
}

/**
 * Whether `value` is a Bun `Server`: what `Bun.serve()` returns, and what Bun passes to the fetch handler
 * beside the request (the one context with both `stop()` and `upgrade()`).
 *
 * @param value Anything.
 * @returns True for a Bun Server.
 *
 * @example Recognising a Bun server
 * ```ts
 * import assert from "node:assert/strict";
 * import { isBunServer } from "./bun.ts";
 *
 * assert.equal(isBunServer({ stop: async () => {}, upgrade: () => false }), true);
 * assert.equal(isBunServer({ stop: async () => {} }), false);
 * ```
 */
export function isBunServer(value: unknown): value is BunServerLike {
  const server = value as Partial<BunServerContext> | undefined;
  return typeof server?.stop === "function" && typeof server.upgrade === "function";
}

/**
 * Lifts the per-request idle timeout of each of `requests` on a Bun server (the one the gate learns from the
 * fetch handler's second argument), when the drain begins: Bun resets a connection that stays quiet for
 * `idleTimeout` (10 s by default), even mid-handler, and the drain may last longer.
 *
 * @param server The Bun Server passed beside the request.
 * @param requests The requests in flight.
 *
 * @example Lifting the idle timeouts at the drain
 * ```ts
 * import assert from "node:assert/strict";
 * import { liftIdleTimeouts } from "./bun.ts";
 *
 * const lifted: number[] = [];
 * const server = { stop: async () => {}, upgrade: () => false, timeout: (_: Request, s: number) => lifted.push(s) };
 * liftIdleTimeouts(server, [new Request("http://localhost/")]);
 * assert.deepEqual(lifted, [0]);
 * ```
 */
export function liftIdleTimeouts(server: BunServerLike, requests: Iterable<object>): void {
  const { timeout } = server as Partial<BunServerContext>;
  if (typeof timeout !== "function") return;
  for (const request of requests) timeout.call(server, request as Request, 0);
}

/**
 * Drains a `Bun.serve()` server: keeps it listening while the fetch wrapper refuses new requests, then stops
 * it gracefully once nothing is in flight, and forcibly at the deadline.
 *
 * Bun 1.4 cannot close the listener alone: `stop()` also closes every idle keep-alive connection at once, and
 * a request a client is sending on one then gets no answer. So `drain()` does nothing; `close()` calls
 * `stop()`, which still waits for responses being written (a streamed body to its last byte) and WebSockets;
 * `force()` calls `stop(true)`, which also ends a pending `close()`.
 *
 * @param server What `Bun.serve()` returns.
 * @returns The {@linkcode ServerDrainer} the lifecycle drives.
 *
 * @example Drain a Bun server
 * ```ts ignore
 * // ignore: needs the Bun runtime.
 * import { bunDrainer } from "./bun.ts";
 *
 * const server = Bun.serve({ port: 0, fetch: () => new Response("ok") });
 * const drainer = bunDrainer(server);
 * drainer.drain();        // still listening: the fetch wrapper answers new requests with 503
 * await drainer.close();  // listener and idle connections closed; resolves when the last response is sent
 * ```
 */
export function bunDrainer(server: BunServerLike): ServerDrainer {
  let stopping: { done: boolean; since: number; promise: Promise<void> } | undefined;
  return {
    drain(): void {},
    close(): Promise<void> {
      // A second graceful stop() would wait on the same connections; one is enough.
      if (!stopping) {
        const promise = server.stop();
        const state = { done: false, since: performance.now(), promise };
        promise.then(() => (state.done = true), () => (state.done = true));
        stopping = state;
      }
      return stopping.promise;
    },
    force(): CutItem[] {
      server.stop(true).catch(() => {});
      // The graceful stop() had not ended: bodies were still being sent, which stop(true) cuts. Bun cannot say
      // how many, nor which: one item stands for them, so the report and the exit code tell the truth.
      if (!stopping || stopping.done) return [];
      const age = Math.round(performance.now() - stopping.since);
      return [{ kind: "streams", label: "response bodies still being sent (Bun cannot list them)", age }];
    },
  };
}

/**
 * @internal Bun: signals, errors, exit and environment through its Node-compatible `process`; the server
 * through `Bun.serve`.
 */
export const bunAdapter: RuntimeAdapter = {
  name: "bun",
  ...processAdapter,
  startServer: startBunServer,
  // Bun's stop() also closes idle keep-alive connections, losing a request sent on one at that instant, so
  // it is called when the drain begins, once the delay has shed keep-alive clients.
  releasePort(server, shutdown) {
    shutdown.onDrain(() => void (server as BunServerLike).stop().catch(() => {}));
  },
};

function startBunServer(fetch: FetchHandler, options: StartOptions): Promise<StartedServer> {
  if (options.fd !== undefined) throw new TypeError(INHERITED_SOCKET);
  // deno-lint-ignore no-explicit-any
  const Bun = (globalThis as Record<string, any>).Bun;
  const server = Bun.serve({
    ...options.serverOptions,
    port: options.port ?? 8000,
    ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
    ...(options.tls ? { tls: options.tls } : {}),
    // HTTP/2 by ALPN over TLS, by prior knowledge in cleartext, HTTP/1.1 beside it (Bun 1.4).
    ...(options.http2 ? { http2: true } : {}),
    ...(options.websocket ? { websocket: options.websocket } : {}),
    ...(options.reusePort ? { reusePort: true } : {}),
    fetch,
  });
  return Promise.resolve({
    // The address bound, not `server.hostname`, which says "localhost" while Bun listens on every interface.
    hostname: server.address?.address ?? server.hostname,
    port: server.port,
    server,
    finished: undefined,
    close: () => server.stop(true),
  });
}

// Bun 1.4: Bun.serve() has no fd option, and node:http's listen({ fd }) binds a random port instead, silently.
const INHERITED_SOCKET =
  "Cannot serve: systemd passed a listening socket (LISTEN_FDS, socket activation), and " +
  "Bun cannot serve HTTP on one yet (Bun.serve() has no fd option; node:http's listen({ fd }) ignores it and " +
  "binds a random port). Run the app on Node, or drop the .socket unit and listen on a port";
