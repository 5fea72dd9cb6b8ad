import type { ServerDrainer } from "../_adapter.ts";
import { nodeHttpDrainer, type NodeHttpDrainerOptions, type NodeHttpServerLike } from "./http.ts";
import { lingerAfterFinish, type NodeSocketLike } from "./_sockets.ts";

/** The parts of a `node:http2` `ServerHttp2Session` this adapter uses. */
interface Http2SessionLike {
  readonly closed: boolean;
  readonly destroyed: boolean;
  /** Sends GOAWAY with the last stream id processed, refuses later streams, closes once its streams end. */
  close(): void;
  destroy(): void;
  once(event: "close" | "stream", listener: () => void): unknown;
}

/**
 * The parts of a `node:http2` server (`http2.createSecureServer()`, with or without `allowHTTP1`, or the
 * cleartext `http2.createServer()`) that {@linkcode nodeHttp2Drainer} uses.
 *
 * @example A node:http2 server conforms
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http2";
 * import { isNodeHttp2Server, type NodeHttp2ServerLike } from "./http2.ts";
 *
 * const server: NodeHttp2ServerLike = createServer();
 * assert.equal(isNodeHttp2Server(server), true);
 * ```
 */
export interface NodeHttp2ServerLike extends NodeHttpServerLike {
  /** Only node:http2 servers have it: how `attach()` tells them from `node:http(s)` ones. */
  updateSettings(settings: Record<string, unknown>): void;
}

/**
 * Whether `value` is a `node:http2` server (secure or cleartext).
 *
 * @param value Anything.
 * @returns True for a server with `updateSettings()`, which only node:http2 servers have.
 *
 * @example Recognising a node:http2 server
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http2";
 * import { isNodeHttp2Server } from "./http2.ts";
 *
 * assert.equal(isNodeHttp2Server(createServer()), true);
 * assert.equal(isNodeHttp2Server({ on() {} }), false);
 * ```
 */
export function isNodeHttp2Server(value: unknown): value is NodeHttp2ServerLike {
  const server = value as NodeHttp2ServerLike | undefined;
  return typeof server?.updateSettings === "function" && typeof server.on === "function";
}

/**
 * Drains a `node:http2` server with the protocol's own mechanism: when the drain starts every HTTP/2 session
 * gets a GOAWAY carrying the last stream id it will process (`session.close()`), so that the client sends its
 * next streams elsewhere. Streams already open finish; a stream the client opened meanwhile is refused with
 * REFUSED_STREAM, safe to retry; each session closes once its streams are done. A session opened during the
 * drain has its first stream answered by the gate (the 503 with `Retry-After`) and gets its GOAWAY with it.
 * HTTP/1.1 connections (`allowHTTP1`) drain as on `node:https`. At the deadline every session is destroyed.
 *
 * Closing an idle session at once is safe here, unlike an idle HTTP/1.1 keep-alive connection: a request
 * the client sends at that instant carries a stream id above the GOAWAY's, so the client knows it was not
 * processed (measured on Node 20, 22 and 24: every stream either answered or refused with REFUSED_STREAM, none
 * both, none reset).
 *
 * @param server A `node:http2` server, e.g. the one `@hono/node-server`'s `serve()` returns when given
 *   `createServer: http2.createSecureServer`.
 * @returns The {@linkcode ServerDrainer} the lifecycle drives.
 *
 * @example Drain a node:http2 server
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http2";
 * import { nodeHttp2Drainer } from "./http2.ts";
 *
 * const server = createServer((_req, res) => res.end("ok"));
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const drainer = nodeHttp2Drainer(server);
 * drainer.drain(); // every session gets a GOAWAY; still listening
 * await drainer.close(); // resolves on the server's "close", once every session has closed
 * assert.equal(server.listening, false);
 * ```
 */
export function nodeHttp2Drainer(
  server: NodeHttp2ServerLike,
  host?: NodeHttpDrainerOptions["host"],
): ServerDrainer {
  const http1 = nodeHttpDrainer(server, { http2: true, host }); // HTTP/1.1 sockets, the listener, and every TCP socket for force
  const sessions = new Set<Http2SessionLike>();
  let draining = false;

  const onSession = (session: Http2SessionLike): void => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    // A client that connects during the drain has already sent its first request: the gate answers it with
    // the 503, and the GOAWAY that goes with it refuses any other, as `Connection: close` does on HTTP/1.1.
    if (draining) session.once("stream", () => session.close());
  };
  // A closed session only ends its socket: a client that keeps its half open would hold the drain until the
  // deadline (measured). Destroy it a linger after our FIN, as on HTTP/1.1.
  const tls = server.addContext !== undefined;
  const onSocket = (socket: NodeSocketLike): void => {
    if (!tls || socket.alpnProtocol === "h2") lingerAfterFinish(socket);
  };
  const socketEvent = tls ? "secureConnection" : "connection";
  server.on("session", onSession);
  server.on(socketEvent, onSocket);
  server.once("close", () => {
    server.off("session", onSession);
    server.off(socketEvent, onSocket);
  });

  const goAway = (): void => {
    for (const session of sessions) if (!session.closed && !session.destroyed) session.close();
  };

  const drain = (): void => {
    if (draining) return;
    draining = true;
    http1.drain();
    goAway();
  };

  return {
    drain,
    close(): Promise<void> {
      drain();
      goAway(); // sessions opened during the drain that never sent a stream
      return http1.close();
    },
    hasConnections: http1.hasConnections,
    force(): void {
      for (const session of sessions) session.destroy();
      http1.force();
    },
  };
}
