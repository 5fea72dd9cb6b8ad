import type { Lifecycle } from "./_lifecycle.ts";
import { describe } from "./_options.ts";

/**
 * Anything WebSocket-like: the web `WebSocket` (Deno, Bun's client, browsers), Bun's `ServerWebSocket`,
 * Hono's `WSContext`, or the `ws` package's socket. Only `close()` is required; the close event is observed
 * through `addEventListener` or `on` when the object has one.
 *
 * @example Tracking a socket-like object
 * ```ts
 * import { createShutdown, type WebSocketLike } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const socket: WebSocketLike = { close: (code) => console.log("closed with", code) };
 * const untrack = shutdown.trackWebSocket(socket);
 * console.log(shutdown.inFlight.webSockets); // 1
 * untrack();
 * ```
 */
export interface WebSocketLike {
  /** Starts the closing handshake: 1001 "Going Away" when the drain starts. */
  close(code?: number, reason?: string): void;
  /** Closes at once, without the handshake (the `ws` package): used at the deadline when present. */
  terminate?(): void;
  /** 3 once closed: such a socket is not counted. */
  readyState?: number;
  /** The web `close` event, which ends the count. */
  addEventListener?(type: "close", listener: () => void, options?: { once?: boolean }): void;
  /** The `ws` package's `close` event, which ends the count. */
  on?(event: "close", listener: () => void): unknown;
}

const CLOSED = 3;

/**
 * @internal Counts `webSocket` until it closes. When draining starts it is sent 1001 "Going Away"; at the
 * deadline it is terminated. Returns the function that stops tracking it (call it from your close handler
 * when the socket has no close event of its own, as with Bun's ServerWebSocket).
 */
export function trackWebSocket(lifecycle: Lifecycle, webSocket: WebSocketLike): () => void {
  if (typeof webSocket?.close !== "function") {
    throw new TypeError(
      `Cannot track WebSocket: expected an object with close(), received ${describe(webSocket)}`,
    );
  }
  const { inFlight } = lifecycle;
  const entry = inFlight.add("webSockets", "WebSocket", lifecycle.options.clock.now());
  const goAway = () => {
    if (webSocket.readyState !== CLOSED) tryClose(webSocket, 1001, "Going Away");
  };
  const terminate = () => {
    try {
      if (typeof webSocket.terminate === "function") webSocket.terminate();
      else webSocket.close(1001, "Going Away");
    } catch {
      // Already gone: nothing to terminate.
    }
  };
  const untrack = () => {
    lifecycle.onDrain.delete(goAway);
    lifecycle.onForce.delete(terminate);
    inFlight.delete(entry);
  };
  if (typeof webSocket.addEventListener === "function") {
    webSocket.addEventListener("close", untrack, { once: true });
  } else if (typeof webSocket.on === "function") webSocket.on("close", untrack);
  lifecycle.onForce.add(terminate);
  if (lifecycle.phase === "running" || lifecycle.phase === "unready") lifecycle.onDrain.add(goAway);
  else goAway();
  return untrack;
}

function tryClose(webSocket: WebSocketLike, code: number, reason: string): void {
  try {
    webSocket.close(code, reason);
  } catch {
    // A socket that is closing already throws on some runtimes; that is the outcome we want.
  }
}
