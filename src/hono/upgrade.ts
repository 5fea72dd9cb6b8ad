import { lifecycleOf } from "../_lifecycle/registry.ts";
import { checkOptions, type TrackWebSocketOptions, type WebSocketLike } from "../websockets.ts";
import type { Shutdown } from "../types.ts";

/**
 * The part of Hono's `WSContext` (the `ws` its events get) that `beforeClose` may use.
 *
 * @example Hono's WSContext conforms
 * ```ts
 * import assert from "node:assert/strict";
 * import { WSContext } from "hono/ws";
 * import type { WSContextLike } from "@graceful/drain/hono";
 *
 * const sent: unknown[] = [];
 * const ws: WSContextLike = new WSContext({ send: (data) => void sent.push(data), close() {}, readyState: 1 });
 * ws.send("hello");
 * assert.deepEqual(sent, ["hello"]);
 * ```
 */
export interface WSContextLike extends WebSocketLike {
  /** Sends a message. */
  send(data: string | ArrayBuffer | Uint8Array<ArrayBuffer>, options?: { compress?: boolean }): void;
}

/**
 * The part of Hono's `WSEvents` this wraps: `onOpen` starts tracking the socket (Hono's `WSContext`),
 * `onClose` stops it. Structural, so that it works with `npm:hono` and `jsr:@hono/hono` alike.
 *
 * @example Events as an app writes them conform
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WSEventsLike } from "@graceful/drain/hono";
 *
 * const events: WSEventsLike = { onOpen: (_event, ws) => ws.send("hello") };
 * const sent: unknown[] = [];
 * events.onOpen?.(new Event("open"), { send: (data) => void sent.push(data), close() {} });
 * assert.deepEqual(sent, ["hello"]);
 * ```
 */
export interface WSEventsLike {
  /** Called once the socket is open. */
  onOpen?: (event: Event, ws: WSContextLike) => void;
  /** Called once the socket has closed. */
  onClose?: (event: Event, ws: WSContextLike) => void;
}

/**
 * Any Hono `upgradeWebSocket`: from `hono/deno`, `hono/bun`, `@hono/node-ws`'s `createNodeWebSocket()`, or
 * another adapter built with Hono's `defineWebSocketHelper`. Called as `upgradeWebSocket(createEvents,
 * options)` it returns a middleware; as `upgradeWebSocket(c, events, options)`, a promised response.
 *
 * @example Deno's upgradeWebSocket conforms
 * ```ts
 * import assert from "node:assert/strict";
 * import { upgradeWebSocket } from "hono/deno";
 * import type { UpgradeWebSocketLike } from "@graceful/drain/hono";
 *
 * const upgrade: UpgradeWebSocketLike = upgradeWebSocket;
 * assert.equal(typeof upgrade(() => ({})), "function"); // a middleware
 * ```
 */
// `any`: the parameters are Hono's Context and WSEvents, which this file does not import (see above).
// deno-lint-ignore no-explicit-any
export type UpgradeWebSocketLike = (...args: any[]) => unknown;

/**
 * Makes a Hono `upgradeWebSocket` graceful: a drop-in replacement whose sockets are tracked by
 * `shutdown.trackWebSocket()` (counted in `inFlight`, 1001 "Going Away" when draining starts, terminated at
 * the deadline), and which refuses new upgrades with a 503 from `draining` on, before the upgrade. That
 * gate matters on Node, where `@hono/node-ws` runs upgrades through `app.request()` rather than the
 * server's (gated) fetch handler.
 *
 * @param shutdown The shutdown from `createShutdown()`.
 * @param upgradeWebSocket The adapter's `upgradeWebSocket`.
 * @param options `closeAt`, `beforeClose` (called with Hono's `WSContext`) and `name`, as for
 *   `shutdown.trackWebSocket()`.
 * @returns An `upgradeWebSocket` of the same type.
 * @throws {TypeError} `upgradeWebSocket` is not a function, or an option of the wrong type.
 * @throws {RangeError} `closeAt` neither `"drain"` nor `"deadline"`.
 *
 * @example A chat socket on Deno that says goodbye before the 1001
 * ```ts ignore
 * // ignore: needs a WebSocket client and a real signal.
 * import { Hono } from "hono";
 * import { upgradeWebSocket as upgrade } from "hono/deno";
 * import { createShutdown, serve } from "@graceful/drain";
 * import { gracefulUpgrade } from "@graceful/drain/hono";
 *
 * const shutdown = createShutdown();
 * const upgradeWebSocket = gracefulUpgrade(shutdown, upgrade, {
 *   beforeClose: (ws) => ws.send(JSON.stringify({ type: "reconnect" })),
 * });
 * const app = new Hono().get(
 *   "/ws",
 *   upgradeWebSocket(() => ({ onMessage: (event, ws) => ws.send(`echo: ${event.data}`) })),
 * );
 * await serve(app, { port: 8000, shutdown });
 * ```
 */
export function gracefulUpgrade<U extends UpgradeWebSocketLike>(
  shutdown: Shutdown,
  upgradeWebSocket: U,
  options: TrackWebSocketOptions<WSContextLike> = {},
): U {
  const context = "Cannot make upgradeWebSocket graceful";
  if (typeof upgradeWebSocket !== "function") {
    throw new TypeError(`${context}: expected Hono's upgradeWebSocket, received ${typeof upgradeWebSocket}`);
  }
  checkOptions(context, options);
  const lifecycle = lifecycleOf(shutdown);
  const admitting = () => lifecycle.phase === "running" || lifecycle.phase === "unready";

  // Each connection gets its own events object (Bun passes a new WSContext to every callback, so the
  // untrack function is kept here rather than looked up by socket).
  const tracked = <E extends WSEventsLike>(events: E): E => {
    let untrack: (() => void) | undefined;
    return Object.assign(Object.create(events ?? null), {
      onOpen(event: Event, ws: WSContextLike) {
        untrack = shutdown.trackWebSocket(ws, options);
        events?.onOpen?.(event, ws);
      },
      onClose(event: Event, ws: WSContextLike) {
        untrack?.();
        events?.onClose?.(event, ws);
      },
    });
  };

  const graceful = (...args: unknown[]) => {
    if (typeof args[0] !== "function") {
      // upgradeWebSocket(c, events, options): a promised response.
      if (!admitting()) return Promise.resolve(lifecycle.gate.refuse());
      return upgradeWebSocket(args[0], tracked(args[1] as WSEventsLike), ...args.slice(2));
    }
    // upgradeWebSocket(createEvents, options): a middleware.
    const createEvents = args[0] as (c: unknown) => WSEventsLike | Promise<WSEventsLike>;
    const middleware = upgradeWebSocket(
      async (c: unknown) => tracked(await createEvents(c)),
      ...args.slice(1),
    ) as (c: unknown, next: () => Promise<void>) => Promise<Response | void>;
    return function upgradeWebSocket(c: unknown, next: () => Promise<void>) {
      if (!admitting()) return Promise.resolve(lifecycle.gate.refuse());
      return middleware(c, next);
    };
  };
  return graceful as U;
}
