import type { ServerDrainer } from "../_adapter.ts";
import { HttpConnections, type NodeRequestLike } from "./_connections.ts";
import { closeListenerOnly } from "./_internals.ts";
import { currentManager } from "./_process.ts";
import { closeAfterResponses, gateNodeServer, type RequestGateHost } from "./_request_gate.ts";
import type { ShutdownEvents } from "../_adapter.ts";
import type { NodeSocketLike } from "./_sockets.ts";

/**
 * The parts of a `node:http` or `node:https` Server that {@linkcode nodeHttpDrainer} uses.
 *
 * @example A node:http Server conforms
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http";
 * import { isNodeHttpServer, type NodeHttpServerLike } from "./http.ts";
 *
 * const server: NodeHttpServerLike = createServer();
 * assert.equal(isNodeHttpServer(server), true);
 * ```
 */
export interface NodeHttpServerLike {
  /** Stops accepting connections; emits `close` once every connection has ended. */
  close(): unknown;
  /** Destroys every connection (Node >= 18.2): the force at the deadline. */
  closeAllConnections?(): void;
  /** Present on TLS servers only: their HTTP sockets arrive by `secureConnection`. */
  addContext?: unknown;
  /** Subscribes to `connection`/`secureConnection` (to track sockets) and `request`. */
  // `any`, not `unknown`: Node types the listener as `(...args: any[]) => void`, and nothing narrower is
  // assignable from it. Written out rather than named: a public interface may not use a private type.
  // deno-lint-ignore no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  /** Subscribes once, to `close`. */
  once(event: string, listener: () => void): unknown;
  /** Emits `request`: wrapped by the gate, so that a refused request reaches none of the app's listeners. */
  // deno-lint-ignore no-explicit-any
  emit(event: string, ...args: any[]): boolean;
  /** Unsubscribes what `on()` subscribed. */
  // deno-lint-ignore no-explicit-any
  off(event: string, listener: (...args: any[]) => void): unknown;
}

/**
 * Whether `value` is a `node:http` or `node:https` server (on Node, or Deno's and Bun's node:http).
 *
 * @param value Anything.
 * @returns True for a server with `closeAllConnections()` (Node >= 18.2).
 *
 * @example Recognising a node:http server
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http";
 * import { isNodeHttpServer } from "./http.ts";
 *
 * assert.equal(isNodeHttpServer(createServer()), true);
 * assert.equal(isNodeHttpServer({}), false);
 * ```
 */
export function isNodeHttpServer(value: unknown): value is NodeHttpServerLike {
  return typeof (value as NodeHttpServerLike | undefined)?.closeAllConnections === "function";
}

/** Options of {@linkcode nodeHttpDrainer}. */
export interface NodeHttpDrainerOptions {
  /**
   * The server is a `node:http2` one: its HTTP/2 sockets belong to their sessions (`./http2.ts` drains them
   * with GOAWAY), and only its HTTP/1.1 ones (`allowHTTP1`) are drained here.
   * @default {false}
   */
  http2?: boolean;
  /**
   * The shutdown, when the drainer also gates the server's requests (as `attach()` does): from `draining` on
   * they are refused before any of its listeners runs, and responses close their connection once the
   * shutdown has started.
   */
  host?: ShutdownEvents & { readonly gate: RequestGateHost };
}

/**
 * Drains a `node:http` or `node:https` server: keeps listening while the gate refuses new requests, ends each
 * connection once it has stayed idle for the grace, then closes the listener; forces what is left at the
 * deadline.
 *
 * Create it right after the server is created or listening: it sees only connections accepted afterwards.
 *
 * @param server A `node:http` / `node:https` Server, e.g. the one `@hono/node-server`'s `serve()` returns.
 * @param options See {@linkcode NodeHttpDrainerOptions}.
 * @returns The {@linkcode ServerDrainer} the lifecycle drives.
 *
 * @example Drain a node:http server
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http";
 * import { nodeHttpDrainer } from "./http.ts";
 *
 * const server = createServer((_req, res) => res.end("ok"));
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const drainer = nodeHttpDrainer(server);
 * drainer.drain(); // still listening: the gate answers new requests with 503
 * await drainer.close(); // idle connections get a FIN; resolves once no connection needs the process
 * assert.equal(server.listening, false);
 * ```
 */
export function nodeHttpDrainer(
  server: NodeHttpServerLike,
  options: NodeHttpDrainerOptions = {},
): ServerDrainer {
  const http2 = options.http2 ?? false;
  const tls = server.addContext !== undefined;
  const connections = new HttpConnections(!tls && !http2);
  const ungate = options.host ? gateNodeServer(server, options.host.gate) : () => {};
  // Attached: tell a process manager that waits for it (PM2's wait_ready) once the server listens.
  const host = options.host;
  if (host) {
    if ((server as { listening?: boolean }).listening) host.announceReady();
    else server.once("listening", () => host.announceReady());
  }
  options.host?.onStart(() => closeAfterResponses(connections.lastResponses()));
  const onTcp = (socket: NodeSocketLike): void => connections.addTransport(socket);
  const onHttp = (socket: NodeSocketLike): void => {
    if (!http2 || (tls && socket.alpnProtocol !== "h2")) connections.addHttp(socket);
  };
  // While draining, a response that ends without `Connection: close` must still end its socket. (An HTTP/2
  // request's socket is its session's, which no one may end.)
  const onRequest = (req: NodeRequestLike): void => {
    if ((req.httpVersionMajor ?? 1) < 2) connections.onRequest(req);
  };
  const httpEvent = tls ? "secureConnection" : "connection";
  server.on("connection", onTcp);
  server.on(httpEvent, onHttp);
  let draining = false;
  let closed = false;
  server.once("close", () => {
    closed = true;
    ungate();
    server.off("connection", onTcp);
    server.off(httpEvent, onHttp);
    server.off("request", onRequest);
  });

  // The listener stays open through the drain: closing it resets every connection still in its accept
  // queue, whose clients have already written a request (measured: 2 to 4 lost per run of 32 clients that
  // reconnect after `Connection: close`). New connections get the gate's 503 instead, and the listener
  // closes in close(), when clients have been told to go elsewhere.
  // Except in a node:cluster worker (PM2's cluster mode too): there the primary owns the connection queue and
  // hands new connections to the workers still listening, so closing this one's listener at the trigger loses
  // nothing and spares the clients a 503 (under PM2, one new connection in three went to the stopping
  // worker); those the primary handed over just before are served through the worker's short delay.
  if (currentManager()?.clusterWorker && options.host) {
    options.host.onStart(() => closeListenerOnly(server));
  }
  const drain = (): void => {
    if (draining) return;
    draining = true;
    server.on("request", onRequest);
    connections.settleAll();
  };

  return {
    drain,
    close(): Promise<void> {
      drain();
      closeListenerOnly(server);
      connections.closeIdle();
      // With the listener closed, Node emits "close" when the last connection closes; released connections
      // (answered in full, left to the kernel) are not waited for.
      if (closed || connections.allReleased()) return Promise.resolve();
      return new Promise((resolve) => {
        server.once("close", resolve);
        connections.whenAllReleased(resolve);
      });
    },
    // On HTTP/2 every socket counts: Deno's node:http2 reports its sockets ended and destroyed while the
    // sessions on them still serve.
    hasConnections: (): boolean => http2 ? connections.transport.size > 0 : connections.hasOpen(),
    force(): void {
      closeListenerOnly(server);
      server.closeAllConnections?.();
      for (const socket of connections.transport) socket.destroy();
    },
  };
}
