import type { Lifecycle } from "./_lifecycle/lifecycle.ts";
import { messageOf } from "./_lifecycle/bounded.ts";
import { checkDuration, checkOptionKeys, describe, invalid } from "./_lifecycle/validate.ts";

/**
 * Anything WebSocket-like: the web `WebSocket` (Deno's server socket, browsers), Bun's `ServerWebSocket`,
 * Hono's `WSContext`, or the `ws` package's socket. Only `close()` is required; the close event is observed
 * through `addEventListener` or `on` when the object has one, and `terminate()` (its own, or its `raw`
 * socket's, as on Hono's `WSContext`) is used at the deadline where there is one.
 *
 * @example Tracking a socket-like object
 * ```ts
 * import assert from "node:assert/strict";
 * import { createShutdown, type WebSocketLike } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const socket: WebSocketLike = { close() {} };
 * const untrack = shutdown.trackWebSocket(socket);
 * assert.equal(shutdown.inFlight.webSockets, 1);
 * untrack();
 * assert.equal(shutdown.inFlight.webSockets, 0);
 * ```
 */
export interface WebSocketLike {
  /** Starts the closing handshake: 1001 "Going Away" when the drain starts (or at the deadline). */
  close(code?: number, reason?: string): void;
  /** Closes at once, without the handshake (the `ws` package, Bun's `ServerWebSocket`): used at the deadline. */
  terminate?(): void;
  /** The underlying socket of a wrapper such as Hono's `WSContext`, whose `terminate()` is used. */
  raw?: unknown;
  /** 3 once closed: such a socket gets no close frame. */
  readonly readyState?: number;
  /** The web `close` event, which ends the count. */
  addEventListener?(type: "close", listener: () => void, options?: { once?: boolean }): void;
  /** The `ws` package's `close` event, which ends the count. */
  on?(event: "close", listener: () => void): unknown;
}

/**
 * Options of `shutdown.trackWebSocket()` and `gracefulUpgrade()`.
 *
 * @example Leaving a socket open through the drain, with a last message if it is still open at the deadline
 * ```ts
 * import assert from "node:assert/strict";
 * import { createShutdown, type TrackWebSocketOptions } from "@graceful/drain";
 *
 * const sent: string[] = [];
 * const socket = { send: (data: string) => void sent.push(data), close() {} };
 * const options: TrackWebSocketOptions<typeof socket> = {
 *   closeAt: "deadline",
 *   beforeClose: (ws) => ws.send(JSON.stringify({ type: "reconnect" })),
 *   name: "game",
 * };
 * const shutdown = createShutdown({ signals: false, logger: false, timeout: 50 });
 * shutdown.trackWebSocket(socket, options);
 * await shutdown.trigger();
 * assert.deepEqual(sent, ['{"type":"reconnect"}']);
 * ```
 */
export interface TrackWebSocketOptions<W = WebSocketLike> {
  /**
   * When the socket gets its close frame, 1001 "Going Away": `"drain"`, as soon as draining starts, so that
   * the client reconnects elsewhere at once; or `"deadline"`, left open for the application (or the client)
   * to finish and close through the drain (`shutdown.signal` tells it to wrap up), and closed, then
   * terminated, only if still open when the drain time is over.
   * @default {"drain"}
   */
  closeAt?: "drain" | "deadline";
  /**
   * Called with the socket just before its close frame, to send a last message (a reconnect hint, a state
   * snapshot). A returned promise is awaited, up to the deadline; an error is logged and the socket closed
   * all the same.
   */
  beforeClose?: (webSocket: W) => unknown;
  /**
   * With `closeAt: "drain"`: close it at a random point within this many ms from the start of the drain
   * (at most half of what is left of the drain) rather than at once, so that the clients of many sockets do
   * not all reconnect to the other instances at the same instant.
   * @default {the shutdown's `spread`, 0 unless set}
   */
  spread?: number;
  /**
   * The close code: 1001 "Going Away", or 1012 "Service Restart" (the server restarts; reconnect after a
   * moment), which clients and proxies may treat as a hint to reconnect elsewhere.
   * @default {1001}
   */
  closeCode?: 1001 | 1012;
  /** Its label in logs and in the report's `cutItems`. @default {"WebSocket"} */
  name?: string;
}

const CLOSED = 3;
const CLOSE_AT = ["drain", "deadline"];
const KNOWN = new Set(["closeAt", "beforeClose", "name", "spread", "closeCode"]);
const CLOSE_REASONS: Record<number, string> = { 1001: "Going Away", 1012: "Service Restart" };

/**
 * @internal Counts `webSocket` until it closes. It gets 1001 "Going Away" when draining starts (or at the
 * deadline, with `closeAt: "deadline"`), after `beforeClose`; at the deadline it is terminated. Returns the
 * function that stops tracking it (call it from your close handler when the socket has no close event of
 * its own, as with Bun's `ServerWebSocket`).
 */
export function trackWebSocket<W extends WebSocketLike>(
  lifecycle: Lifecycle,
  webSocket: W,
  options: TrackWebSocketOptions<W> = {},
): () => void {
  const context = "Cannot track WebSocket";
  if (typeof webSocket?.close !== "function") {
    throw new TypeError(`${context}: expected an object with close(), received ${describe(webSocket)}`);
  }
  const { closeAt = "drain", beforeClose, name = "WebSocket", closeCode = 1001, spread } = checkOptions(
    context,
    options,
  );
  const { inFlight, options: { logger, clock } } = lifecycle;
  const entry = inFlight.add("webSockets", name);
  let goingAway = false;

  const close = () => {
    try {
      if (webSocket.readyState !== CLOSED) webSocket.close(closeCode, CLOSE_REASONS[closeCode]);
    } catch {
      // A socket that is closing already throws on some runtimes; that is the outcome we want.
    }
  };
  // The last message first; a hook that throws or hangs must not keep the socket open: the deadline ends it.
  const goAway = (awaitHook: boolean) => {
    if (goingAway) return;
    goingAway = true;
    let result: unknown;
    try {
      result = beforeClose?.(webSocket);
    } catch (error) {
      logger.error(`${name} beforeClose failed: ${messageOf(error)}`, { error });
    }
    if (awaitHook && typeof (result as PromiseLike<unknown>)?.then === "function") {
      Promise.resolve(result).catch((error) =>
        logger.error(`${name} beforeClose failed: ${messageOf(error)}`, { error })
      ).then(close);
    } else close();
  };
  // The drain's start, or a random point within the spread after it; the deadline still ends it.
  let spreadTimer: unknown;
  const onDrain = () => {
    // At most half of what is left of the drain (the deadline less the time kept for cleanup), so that every
    // close handshake still ends inside it.
    const drainLeft = lifecycle.remaining - lifecycle.options.cleanupTimeout;
    const window = Math.min(spread ?? lifecycle.options.spread, drainLeft / 2);
    if (window <= 0) return goAway(true);
    spreadTimer = clock.setTimeout(() => goAway(true), Math.random() * window);
  };
  const terminate = () => {
    goAway(false); // with closeAt "deadline": the client still learns why, where the frame gets out in time
    const raw = webSocket.raw as WebSocketLike | undefined;
    const kill = typeof webSocket.terminate === "function"
      ? () => webSocket.terminate!()
      : typeof raw?.terminate === "function"
      ? () => raw.terminate!()
      : undefined; // the web WebSocket has no terminate: the process exit closes it
    try {
      kill?.();
    } catch {
      // Already gone: nothing to terminate.
    }
  };
  let unsubscribeDrain = () => {};
  const unsubscribeForce = lifecycle.onForce(terminate);
  const untrack = () => {
    if (spreadTimer !== undefined) clock.clearTimeout(spreadTimer);
    unsubscribeDrain();
    unsubscribeForce();
    inFlight.delete(entry);
  };
  if (typeof webSocket.addEventListener === "function") {
    webSocket.addEventListener("close", untrack, { once: true });
  } else if (typeof webSocket.on === "function") webSocket.on("close", untrack);
  if (closeAt === "drain") {
    if (lifecycle.phase === "running" || lifecycle.phase === "unready") {
      unsubscribeDrain = lifecycle.onDrain(onDrain);
    } else onDrain();
  }
  return untrack;
}

/** @internal Validates the options of `trackWebSocket()` / `gracefulUpgrade()`, naming option and value. */
export function checkOptions<O extends TrackWebSocketOptions<never>>(context: string, options: O): O {
  checkOptionKeys(context, options, KNOWN);
  const { closeAt, beforeClose, name, spread, closeCode } = options;
  if (spread !== undefined) checkDuration(context, "spread", spread);
  if (closeCode !== undefined && closeCode !== 1001 && closeCode !== 1012) {
    throw invalid(context, "closeCode", "1001 or 1012", closeCode, typeof closeCode === "number");
  }
  if (closeAt !== undefined && !CLOSE_AT.includes(closeAt as string)) {
    const message = `${context}: "closeAt" must be "drain" or "deadline", received ${describe(closeAt)}`;
    throw typeof closeAt === "string" ? new RangeError(message) : new TypeError(message);
  }
  if (beforeClose !== undefined && typeof beforeClose !== "function") {
    throw new TypeError(`${context}: "beforeClose" must be a function, received ${describe(beforeClose)}`);
  }
  if (name !== undefined && typeof name !== "string") {
    throw new TypeError(`${context}: "name" must be a string, received ${describe(name)}`);
  }
  return options;
}
