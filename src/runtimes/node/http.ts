import { IDLE_GRACE, LINGER_MS, type ServerDrainer } from "../_adapter.ts";

/** The parts of a `node:net` / `node:tls` socket this adapter touches. */
interface NodeSocketLike {
  readonly destroyed: boolean;
  readonly writable: boolean;
  readonly bytesRead: number;
  /** Bytes written but not yet handed to the kernel. */
  readonly writableLength: number;
  /** TLS only: what ALPN negotiated ("h2" on a node:http2 server speaking HTTP/2). */
  readonly alpnProtocol?: string | false | null;
  end(): unknown;
  destroy(): unknown;
  /** Stops reading (libuv's readStop, through Node's HTTP server): the client's FIN then costs no event. */
  pause(): unknown;
  /** Lets the process exit while the socket is still open; the kernel finishes its close. */
  unref(): unknown;
  /** What Node's HTTP server calls after a response that carried `Connection: close`; replaced per socket. */
  destroySoon?: () => void;
  once(event: "close" | "finish", listener: () => void): unknown;
  /** Node's HTTP parser (internal, like `_httpMessage`): `incoming` is the last request it parsed. */
  parser?: { incoming?: unknown } | null;
  /** Node's current response on the socket: internal but there since Node 0.x; tells busy from idle. */
  _httpMessage?:
    | {
      readonly writableEnded: boolean;
      readonly req?: NodeRequestLike;
      once(event: "finish", listener: () => void): unknown;
    }
    | null;
}

/** The part of an `IncomingMessage` the adapter reads. */
interface NodeRequestLike {
  readonly socket: NodeSocketLike;
  readonly httpVersionMajor?: number;
  /** The whole request, body included, has been read. */
  readonly complete: boolean;
}

/**
 * The parts of a `node:http` or `node:https` Server that {@linkcode nodeDrainer} uses.
 *
 * @example A node:http Server conforms
 * ```ts
 * import { createServer } from "node:http";
 * import type { NodeHttpServerLike } from "./http.ts";
 *
 * const server: NodeHttpServerLike = createServer();
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
  /** Unsubscribes what `on()` subscribed. */
  // deno-lint-ignore no-explicit-any
  off(event: string, listener: (...args: any[]) => void): unknown;
}

/**
 * Drains a `node:http` or `node:https` server: keeps listening while the gate refuses new requests, ends each
 * connection once it has stayed idle for the grace, then closes the listener; forces what is left at the
 * deadline.
 *
 * Create it right after the server is created or listening: it sees only connections accepted afterwards.
 *
 * @param server A `node:http` / `node:https` Server, e.g. the one `@hono/node-server`'s `serve()` returns.
 * @param http2 The server is a `node:http2` one: leave its HTTP/2 sockets to their sessions.
 * @returns The {@linkcode ServerDrainer} the lifecycle drives.
 *
 * @example Drain a node:http server
 * ```ts
 * import { createServer } from "node:http";
 * import { nodeDrainer } from "./http.ts";
 *
 * const server = createServer((_req, res) => res.end("ok"));
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const drainer = nodeDrainer(server);
 * drainer.drain(); // still listening: the fetch wrapper answers new requests with 503
 * await drainer.close(); // idle connections get a FIN; resolves once no connection needs the process
 * ```
 */
export function nodeDrainer(server: NodeHttpServerLike, http2 = false): ServerDrainer {
  // HTTP/1.1 sockets (TLS sockets on https), ended gracefully; every TCP socket, destroyed on force (on https
  // one still in its TLS handshake is only there). On a node:http2 server, HTTP/2 sockets belong to their
  // session, which node_http2.ts drains with GOAWAY: only HTTP/1.1 ones (`allowHTTP1`) are drained here.
  const tls = server.addContext !== undefined;
  const sockets = new Set<NodeSocketLike>();
  const tcp = tls || http2 ? new Set<NodeSocketLike>() : sockets;
  const onTcp = (socket: NodeSocketLike): void => {
    tcp.add(socket);
    socket.once("close", () => {
      tcp.delete(socket);
      released.delete(socket);
      if (allReleased()) onAllReleased?.();
    });
  };
  const onHttp = (socket: NodeSocketLike): void => {
    if (http2 && (!tls || socket.alpnProtocol === "h2")) return;
    if (tls) {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    }
    // Node ends a `Connection: close` response with destroySoon(): destroy() as soon as the FIN is queued.
    // Bytes the client sends after that (the rest of an unread request body, a pipelined request) make the
    // kernel answer with a reset that discards the response still unsent or unread (measured: a 503 lost).
    if (socket.destroySoon) socket.destroySoon = () => end(socket, answeredInFull(socket));
  };
  const httpEvent = tls ? "secureConnection" : "connection";
  server.on("connection", onTcp);
  server.on(httpEvent, onHttp);

  let draining = false;
  let closing = false;
  let closed = false;
  const watched = new WeakSet<object>();
  // bytesRead of each socket when it became idle during the drain (or was idle when it began), and when: more
  // bytes since then and no response means a request is still arriving (its headers incomplete).
  const idleMarks = new WeakMap<NodeSocketLike, number>();
  const idleSince = new WeakMap<NodeSocketLike, number>();
  // The request each socket is answering in the drain, and the socket's bytesRead when it was seen.
  const requests = new WeakMap<NodeSocketLike, { req: NodeRequestLike; bytesRead: number }>();
  // Plain HTTP sockets ended after answering their client in full (see end()): nothing of theirs is left
  // for the process to do, so close() need not wait for them. TLS and HTTP/2 sockets are always waited for.
  const released = new Set<NodeSocketLike>();
  const canRelease = !tls && !http2;
  // Every connection left is released (or none is left): nothing needs the process any more.
  const allReleased = (): boolean => released.size === tcp.size;
  let onAllReleased: (() => void) | undefined;

  // Its request was complete, it is the last one parsed on the socket (no pipelined request waits behind it),
  // and the client has sent nothing since: a client waiting for this response, told `Connection: close`,
  // sends nothing more.
  const answeredInFull = (socket: NodeSocketLike): boolean => {
    const seen = requests.get(socket);
    return canRelease && seen !== undefined && seen.req.complete && socket.bytesRead === seen.bytesRead &&
      socket.parser?.incoming === seen.req;
  };

  // Follow the response now on a socket; once the socket is idle, mark it, and end it at close() time if it
  // stayed idle for the grace. A response that went out without `Connection: close` (it began before the
  // drain) leaves a client that will reuse the socket at once: ending it right away would lose that request,
  // while leaving it open lets the request reach the gate and get its 503 with `Connection: close`.
  const settle = (socket: NodeSocketLike): void => {
    if (socket.destroyed || !socket.writable) return;
    const res = socket._httpMessage;
    if (res && !res.writableEnded) {
      if (!watched.has(res)) {
        watched.add(res);
        if (res.req && !requests.has(socket)) {
          requests.set(socket, { req: res.req, bytesRead: socket.bytesRead });
        }
        res.once("finish", () => {
          idleMarks.set(socket, socket.bytesRead);
          idleSince.set(socket, performance.now());
          settle(socket);
        });
      }
      return;
    }
    if (!idleMarks.has(socket)) {
      idleMarks.set(socket, socket.bytesRead);
      idleSince.set(socket, performance.now());
    }
    if (closing) endIfQuiet(socket);
  };

  const endIfQuiet = (socket: NodeSocketLike): void => {
    if (socket.destroyed || !socket.writable || socket.bytesRead !== idleMarks.get(socket)) return;
    const wait = (idleSince.get(socket) ?? 0) + IDLE_GRACE - performance.now();
    if (wait > 0) setTimeout(() => endIfQuiet(socket), wait);
    else end(socket);
  };

  // Half-close, not destroy: queued response bytes go out before the FIN, and we keep reading until the
  // client's FIN, so that data it sends meanwhile cannot turn the close into a reset that discards the
  // response. The linger starts once everything is handed to the kernel; a slow reader is the deadline's.
  // A socket whose client was answered in full sends nothing more: once the response is with the kernel it
  // is released instead, neither read nor waited for, and the kernel completes its close (at the latest when
  // the process exits). With 10,000 in flight, reading their clients' FINs and closing the sockets one by one
  // kept the event loop busy for 250 ms after the last response; released, the drain ends within 5 ms of it.
  const endedHere = new WeakSet<NodeSocketLike>();
  const end = (socket: NodeSocketLike, answered = false): void => {
    if (!socket.writable) return;
    endedHere.add(socket);
    socket.end();
    let timer: ReturnType<typeof setTimeout> | undefined;
    socket.once("close", () => clearTimeout(timer));
    const linger = () => timer = setTimeout(() => socket.destroy(), LINGER_MS);
    if (!answered) socket.once("finish", linger);
    // The response is with the kernel; the FIN follows it, from libuv or, should the process exit first,
    // from the kernel's own close. Waiting for the "finish" event costs a poll of the event loop for each.
    else if (socket.writableLength === 0) release(socket, linger());
    else socket.once("finish", () => release(socket, linger()));
  };

  const release = (socket: NodeSocketLike, linger: ReturnType<typeof setTimeout>): void => {
    socket.pause();
    socket.unref();
    (linger as { unref?: () => void }).unref?.(); // still closes it in a process that lives on
    released.add(socket);
    if (allReleased()) onAllReleased?.();
  };

  // While draining, a response that ends without `Connection: close` must still end its socket.
  // (An HTTP/2 request's socket is its session's, which no one may end: see above.)
  const onRequest = (req: NodeRequestLike): void => {
    if ((req.httpVersionMajor ?? 1) >= 2) return;
    requests.set(req.socket, { req, bytesRead: req.socket.bytesRead });
    settle(req.socket);
  };

  const closeListener = (): void => closeNetListener(server);

  const cleanup = (): void => {
    closed = true;
    server.off("connection", onTcp);
    server.off(httpEvent, onHttp);
    server.off("request", onRequest);
  };
  server.once("close", cleanup);

  // The listener stays open through the drain: closing it resets every connection still in its accept
  // queue, whose clients have already written a request (measured: 2 to 4 lost per run of 32 clients that
  // reconnect after `Connection: close`). New connections get the gate's 503 instead, and the listener
  // closes in close(), when clients have been told to go elsewhere.
  const drain = (): void => {
    if (draining) return;
    draining = true;
    server.on("request", onRequest);
    for (const socket of sockets) settle(socket);
  };

  return {
    drain,
    close(): Promise<void> {
      drain();
      closeListener();
      closing = true;
      for (const socket of sockets) settle(socket);
      // With the listener closed, Node emits "close" when the last connection closes; released ones (see
      // end()) are not waited for.
      if (closed || allReleased()) return Promise.resolve();
      return new Promise((resolve) => {
        server.once("close", resolve);
        onAllReleased = resolve;
      });
    },
    // Connections a request could still be answered on: not one we have ended (after `Connection: close`,
    // or idle), nor one whose writable side has ended while it is not yet destroyed (the client's FIN came:
    // it is closing). On HTTP/2 every listed socket counts: Deno's node:http2 reports its sockets ended and
    // destroyed while the sessions on them still serve.
    hasConnections: (): boolean => {
      if (http2) return tcp.size > 0;
      for (const socket of tcp) {
        if (!endedHere.has(socket) && (socket.writable || socket.destroyed)) return true;
      }
      return false;
    },
    force(): void {
      closeListener();
      server.closeAllConnections?.();
      for (const socket of tcp) socket.destroy();
    },
  };
}

/**
 * @internal Closes only the listener, with `net.Server#close`: `http.Server#close()` also destroys idle
 * keep-alive sockets (Node >= 19), losing a request a client is sending on one at that instant.
 */
export function closeNetListener(server: { close(): unknown }): void {
  let proto: object | null = server;
  while ((proto = Object.getPrototypeOf(proto)) !== null) {
    if (Object.hasOwn(proto, "listen")) {
      (proto as { close(): unknown }).close.call(server);
      return;
    }
  }
  server.close();
}
