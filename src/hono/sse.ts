import { describe } from "../_lifecycle/validate.ts";
import { afterSpread, finalEvent, resolveSSEOptions } from "../_http/sse_events.ts";
import type { DrainSSEOptions } from "../sse.ts";

/**
 * The part of Hono's `SSEStreamingApi` (what `streamSSE` passes to its callback) that `drainSSE` uses.
 * Structural, so that it works with `npm:hono` and `jsr:@hono/hono` alike.
 *
 * @example Hono's SSEStreamingApi conforms
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { type SSEStreamingApi, streamSSE } from "hono/streaming";
 * import type { SSEStreamLike } from "@graceful/drain/hono";
 *
 * const app = new Hono().get("/", (c) =>
 *   streamSSE(c, async (stream: SSEStreamingApi) => {
 *     const like: SSEStreamLike = stream;
 *     await like.write("data: hi\n\n");
 *   }));
 * assert.equal(await (await app.request("/")).text(), "data: hi\n\n");
 * ```
 */
export interface SSEStreamLike {
  /** Writes raw bytes or text; `writeSSE` writes each event with one call. */
  write(input: string | Uint8Array): Promise<unknown>;
  /** Ends the stream. */
  close(): Promise<void>;
  /** Registers a callback for the client going away. */
  onAbort(listener: () => void | Promise<void>): void;
  /** Whether the client went away. */
  readonly aborted: boolean;
  /** Whether the stream was closed. */
  readonly closed: boolean;
}

/**
 * Ends a Hono `streamSSE` stream cleanly when `signal` aborts: writes a final event (`shutdown` by default)
 * with a `retry:` hint, so that an `EventSource` reconnects elsewhere, then closes the stream, so that the
 * drain ends with it instead of waiting for the deadline. Each `writeSSE` is one write, so every event
 * written before arrives whole; writes after the signal aborted are dropped, so the final event is the last.
 *
 * @param stream The stream `streamSSE` passes to its callback.
 * @param signal `c.var.shutdown.signal` (from `graceful()`), or `shutdown.signal`.
 * @param options The final event's name, `retry` hint (ms) and data.
 * @returns A promise that resolves once the stream has ended: by this function, by the client going away,
 *   or by the callback's own end. Await it last in the callback to keep the stream open until then.
 * @throws {TypeError} `stream` is not a Hono SSE stream, `signal` not an AbortSignal, or an option of the
 *   wrong type.
 * @throws {RangeError} An empty or multi-line `event`, a negative or fractional `retry`.
 *
 * @example An SSE endpoint fed by a pub/sub that ends cleanly on shutdown
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { streamSSE } from "hono/streaming";
 * import { createShutdown } from "@graceful/drain";
 * import { drainSSE, graceful, type GracefulEnv } from "@graceful/drain/hono";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const app = new Hono<GracefulEnv>();
 * app.use(graceful(shutdown));
 * app.get("/events", (c) =>
 *   streamSSE(c, async (stream) => {
 *     await stream.writeSSE({ event: "hello", data: "welcome" });
 *     await drainSSE(stream, c.var.shutdown.signal, { retry: 2000 });
 *   }));
 * const response = await app.request("/events");
 * const text = response.text();
 * await shutdown.trigger();
 * assert.equal(
 *   await text,
 *   "event: hello\ndata: welcome\n\nevent: shutdown\ndata: shutting down\nretry: 2000\n\n",
 * );
 * ```
 */
export function drainSSE(
  stream: SSEStreamLike,
  signal: AbortSignal,
  options: DrainSSEOptions = {},
): Promise<void> {
  const context = "Cannot drain SSE";
  if (typeof stream?.write !== "function" || typeof stream.onAbort !== "function") {
    throw new TypeError(`${context}: expected the stream of Hono's streamSSE, received ${describe(stream)}`);
  }
  if (!(signal instanceof AbortSignal)) {
    throw new TypeError(`${context}: expected an AbortSignal, received ${describe(signal)}`);
  }
  const resolved = resolveSSEOptions(context, options);
  const last = finalEvent(resolved);
  return new Promise((resolve) => {
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      signal.removeEventListener("abort", onSignal);
      stream.close = close;
      resolve();
    };
    const onAbort = async () => {
      if (ended) return;
      if (!stream.aborted && !stream.closed) {
        // The final event must be the last: a loop still writing would queue a tick behind it. Writes
        // already queued go first, whole; later ones are dropped (each event is one write, so never half).
        const write = stream.write;
        stream.write = () => Promise.resolve(stream);
        try {
          await write.call(stream, last);
          await close.call(stream);
        } catch {
          // The client went away meanwhile: there is no one left to tell, and the stream is over all the same.
        }
      }
      end();
    };
    const onSignal = () => afterSpread(resolved.spread, () => void onAbort());
    // A callback that ends on its own closes the stream (streamSSE does): release the signal's listener
    // then, or every finished stream would leave one on the long-lived shutdown signal.
    const close = stream.close;
    stream.close = function () {
      end();
      return close.call(this);
    };
    stream.onAbort(end);
    // Hono calls only the abort listeners registered before the client went away.
    if (stream.aborted || stream.closed) end();
    else if (signal.aborted) onSignal();
    else signal.addEventListener("abort", onSignal, { once: true });
  });
}
