/**
 * @internal Every Node internal the node:http drainer relies on, behind one named accessor each. They are
 * not public API, but have been there for many majors; `tests/node_internals.test.ts` has a canary per
 * accessor that fails, naming it, on the Node (or Deno/Bun node:http) that drops or changes one.
 */

/** A node:http response as the socket holds it (`socket._httpMessage`). */
export interface CurrentResponse {
  readonly writableEnded: boolean;
  readonly headersSent: boolean;
  /** False makes Node send `Connection: close` and close the connection after the response. */
  shouldKeepAlive?: boolean;
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body: string): unknown;
  readonly req?: unknown;
  once(event: "close", listener: () => void): unknown;
  once(event: "finish", listener: () => void): unknown;
}

interface SocketInternals {
  _httpMessage?: CurrentResponse | null;
  parser?: { incoming?: unknown } | null;
  destroySoon?: () => void;
}

/**
 * The response being written on `socket` (`_httpMessage`, there since Node 0.x), or undefined when the
 * socket is idle: what tells a busy keep-alive connection from an idle one.
 */
export function currentResponse(socket: object): CurrentResponse | undefined {
  return (socket as SocketInternals)._httpMessage ?? undefined;
}

/**
 * The last request Node's HTTP parser read on `socket` (`parser.incoming`): when it is not the request
 * being answered, a pipelined request waits behind it.
 */
export function lastParsedRequest(socket: object): unknown {
  return (socket as SocketInternals).parser?.incoming;
}

/**
 * Replaces what Node's HTTP server calls to end a socket after a response that carried `Connection: close`
 * (`destroySoon()`: destroy as soon as the FIN is queued). Returns false when the socket has no such method.
 */
export function replaceCloseAfterResponse(socket: object, end: () => void): boolean {
  const internals = socket as SocketInternals;
  if (typeof internals.destroySoon !== "function") return false;
  internals.destroySoon = end;
  return true;
}

/**
 * Closes only the listener of a node:http(s)/http2 server, with `net.Server#close` found up its prototype
 * chain: `http.Server#close()` also destroys idle keep-alive sockets (Node >= 19), losing a request a client
 * is sending on one at that instant.
 */
export function closeListenerOnly(server: { close(): unknown }): void {
  let proto: object | null = server;
  while ((proto = Object.getPrototypeOf(proto)) !== null) {
    if (Object.hasOwn(proto, "listen")) {
      (proto as { close(): unknown }).close.call(server);
      return;
    }
  }
  server.close();
}
