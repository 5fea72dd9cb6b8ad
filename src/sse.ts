import { describe } from "./_lifecycle/validate.ts";
import { afterSpread, EventBoundary, finalEvent, resolveSSEOptions } from "./_http/sse_events.ts";

/**
 * Options of `drainSSE()` and `drainSSEStream()`.
 *
 * @example A final event named "reconnect", and a five-second reconnection delay
 * ```ts
 * import assert from "node:assert/strict";
 * import { type DrainSSEOptions, drainSSEStream } from "@graceful/drain";
 *
 * const options: DrainSSEOptions = { event: "reconnect", retry: 5000, data: '{"reason":"deploy"}' };
 * const body = drainSSEStream(new ReadableStream(), AbortSignal.abort(), options);
 * const text = await new Response(body).text();
 * assert.equal(text, 'event: reconnect\ndata: {"reason":"deploy"}\nretry: 5000\n\n');
 * ```
 */
export interface DrainSSEOptions {
  /** The final event's name. @default {"shutdown"} */
  event?: string;
  /**
   * The `retry:` hint sent with the final event: how many milliseconds an `EventSource` waits before it
   * reconnects (to another instance, behind a load balancer). A `{ min, max }` range picks one at random per
   * stream, which spreads the reconnects.
   * @default {1000}
   */
  retry?: number | { min: number; max: number };
  /**
   * Send the final event at a random point within this many ms after the signal aborts, rather than at once,
   * so that clients of many streams do not all reconnect at the same instant; keep it well inside the drain.
   * @default {0}
   */
  spread?: number;
  /** The final event's data; an event without data is never dispatched by `EventSource`. @default {"shutting down"} */
  data?: string;
}

/**
 * Makes a Server-Sent Events body end cleanly on shutdown: passes `body` through until `signal` aborts, then,
 * at the next boundary between two events (never inside one), adds a final event (`shutdown` by default)
 * with a `retry:` hint so that an `EventSource` reconnects elsewhere, ends the stream and cancels `body`.
 * The drain then ends with the stream instead of waiting for the deadline. For Hono's `streamSSE`, see
 * `drainSSE` in `graceful-drain/hono`.
 *
 * @param body The SSE bytes (or text chunks), e.g. a stream your handler writes events to.
 * @param signal Ends the stream when it aborts: `shutdown.signal`, or one combined with the request's.
 * @param options The final event's name, `retry` hint (ms) and data.
 * @returns The stream to respond with (`Content-Type: text/event-stream`).
 * @throws {TypeError} `body` is not a ReadableStream, `signal` not an AbortSignal, or an option of the wrong type.
 * @throws {RangeError} An empty or multi-line `event`, a negative or fractional `retry`.
 *
 * @example A clock stream that says goodbye when the shutdown starts
 * ```ts
 * import assert from "node:assert/strict";
 * import { createShutdown, drainSSEStream } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * let timer: ReturnType<typeof setInterval> | undefined;
 * const ticks = new ReadableStream<string>({
 *   start(controller) {
 *     controller.enqueue("event: tick\ndata: 0\n\n");
 *     timer = setInterval(() => controller.enqueue(`event: tick\ndata: ${Date.now()}\n\n`), 1000);
 *   },
 *   cancel: () => clearInterval(timer),
 * });
 * const response = new Response(drainSSEStream(ticks, shutdown.signal, { retry: 2000 }), {
 *   headers: { "content-type": "text/event-stream" },
 * });
 * const events: string[] = [];
 * for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) {
 *   events.push(chunk);
 *   shutdown.trigger(); // once the first tick is out (a second call does nothing)
 * }
 * assert.deepEqual(events, [
 *   "event: tick\ndata: 0\n\n",
 *   "event: shutdown\ndata: shutting down\nretry: 2000\n\n",
 * ]);
 * ```
 */
export function drainSSEStream(
  body: ReadableStream<Uint8Array | string>,
  signal: AbortSignal,
  options: DrainSSEOptions = {},
): ReadableStream<Uint8Array> {
  const context = "Cannot drain SSE stream";
  if (typeof body?.getReader !== "function") {
    throw new TypeError(`${context}: expected a ReadableStream, received ${describe(body)}`);
  }
  if (!(signal instanceof AbortSignal)) {
    throw new TypeError(`${context}: expected an AbortSignal, received ${describe(signal)}`);
  }
  const resolved = resolveSSEOptions(context, options);
  const last = new TextEncoder().encode(finalEvent(resolved));
  const encoder = new TextEncoder();
  const reader = body.getReader();
  const boundary = new EventBoundary();
  let onAbort = () => {};
  let due = false; // the final event is due: the signal aborted, and its point in the spread has come
  const aborted = new Promise<"aborted">((resolve) => {
    onAbort = () =>
      afterSpread(resolved.spread, () => {
        due = true;
        resolve("aborted");
      });
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  const release = () => signal.removeEventListener("abort", onAbort);
  let pending: ReturnType<typeof reader.read> | undefined;

  const end = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    release();
    controller.enqueue(last);
    controller.close();
    reader.cancel(signal.reason).catch(() => {});
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (due && boundary.atBoundary) return end(controller);
        // Between events the signal may end the stream at once; inside one, the rest of it comes first.
        pending ??= reader.read();
        const next = boundary.atBoundary ? await Promise.race([pending, aborted]) : await pending;
        if (next === "aborted") return end(controller);
        pending = undefined;
        if (next.done) {
          release();
          return controller.close();
        }
        const bytes = typeof next.value === "string" ? encoder.encode(next.value) : next.value;
        boundary.push(bytes);
        controller.enqueue(bytes);
      } catch (error) {
        release();
        controller.error(error);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  });
}
