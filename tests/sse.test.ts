import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { createShutdown, drainSSEStream } from "../mod.ts";
import { drainSSE, graceful, type GracefulEnv } from "../src/hono/mod.ts";
import { until, within } from "./_helpers.ts";

/** A source whose chunks the test pushes one at a time; records its cancellation. */
function source() {
  let controller!: ReadableStreamDefaultController<string>;
  const cancelled = Promise.withResolvers<unknown>();
  const stream = new ReadableStream<string>({
    start: (c) => void (controller = c),
    cancel: (reason) => cancelled.resolve(reason),
  });
  return {
    stream,
    push: (chunk: string) => controller.enqueue(chunk),
    close: () => controller.close(),
    cancelled: cancelled.promise,
  };
}

/** Reads `stream` as text as it comes: `text()` is what has arrived, `done` resolves at its end. */
function collect(stream: ReadableStream<Uint8Array>) {
  let text = "";
  const decoder = new TextDecoder();
  const done = (async () => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  })();
  return { text: () => text, done };
}

describe("drainSSEStream()", () => {
  test("passes events through; on abort between events adds the final event, ends, and cancels the source", async () => {
    const { stream, push, cancelled } = source();
    const controller = new AbortController();
    const out = collect(drainSSEStream(stream, controller.signal));
    push("event: tick\ndata: 1\n\n");
    await until(() => out.text().length > 0);
    controller.abort(new Error("shutdown"));
    await out.done;
    assert.equal(out.text(), "event: tick\ndata: 1\n\nevent: shutdown\ndata: shutting down\nretry: 1000\n\n");
    assert.equal(((await cancelled) as Error).message, "shutdown");
  });

  test("an abort inside an event waits for the rest of it (LF, CRLF and CR line ends)", async () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      const { stream, push } = source();
      const controller = new AbortController();
      const out = collect(
        drainSSEStream(stream, controller.signal, { event: "bye", retry: 0, data: "a\nb" }),
      );
      push(`data: 1${eol}`);
      await until(() => out.text().length > 0);
      controller.abort();
      push(`data: 2${eol}`);
      push(eol);
      push(`data: never${eol}${eol}`);
      await out.done;
      assert.equal(
        out.text(),
        `data: 1${eol}data: 2${eol}${eol}event: bye\ndata: a\ndata: b\nretry: 0\n\n`,
        JSON.stringify(eol),
      );
    }
  });

  test("an already aborted signal sends only the final event; a source that ends first ends the stream", async () => {
    const aborted = collect(drainSSEStream(source().stream, AbortSignal.abort()));
    await aborted.done;
    assert.equal(aborted.text(), "event: shutdown\ndata: shutting down\nretry: 1000\n\n");
    const { stream, push, close } = source();
    const controller = new AbortController();
    const ended = collect(drainSSEStream(stream, controller.signal));
    push("data: only\n\n");
    close();
    await ended.done;
    controller.abort(); // too late: nothing more is written
    assert.equal(ended.text(), "data: only\n\n");
  });

  test("the client going away cancels the source", async () => {
    const { stream, cancelled } = source();
    const body = drainSSEStream(stream, new AbortController().signal);
    await body.cancel("client gone");
    assert.equal(await cancelled, "client gone");
  });

  test("invalid arguments and options throw a TypeError or RangeError naming them", () => {
    const signal = new AbortController().signal;
    const body = () => source().stream;
    assert.throws(() => drainSSEStream("data: x" as never, signal), {
      name: "TypeError",
      message: 'Cannot drain SSE stream: expected a ReadableStream, received "data: x"',
    });
    assert.throws(() => drainSSEStream(body(), {} as never), {
      name: "TypeError",
      message: "Cannot drain SSE stream: expected an AbortSignal, received an object",
    });
    assert.throws(() => drainSSEStream(body(), signal, { event: "a\nb" }), {
      name: "RangeError",
      message: 'Cannot drain SSE stream: "event" must be one non-empty line, received "a\\nb"',
    });
    assert.throws(() => drainSSEStream(body(), signal, { retry: 1.5 }), {
      name: "RangeError",
      message:
        'Cannot drain SSE stream: "retry" must be a non-negative integer of milliseconds, or { min, max } of them, received 1.5',
    });
    assert.throws(() => drainSSEStream(body(), signal, { retry: "1s" as never }), {
      name: "TypeError",
      message:
        'Cannot drain SSE stream: "retry" must be a non-negative integer of milliseconds, or { min, max } of them, received "1s"',
    });
    assert.throws(() => drainSSEStream(body(), signal, { reconnect: 1 } as never), {
      name: "TypeError",
      message: 'Cannot drain SSE stream: unknown option "reconnect"',
    });
  });
});

describe("drainSSE()", () => {
  function setup() {
    const shutdown = createShutdown({ signals: false, logger: false, timeout: 5_000 });
    const app = new Hono<GracefulEnv>();
    app.use(graceful(shutdown));
    return { shutdown, app };
  }

  test("ends a streamSSE stream with the final event when the shutdown starts; the drain ends with it", async () => {
    const { shutdown, app } = setup();
    app.get("/events", (c) =>
      streamSSE(c, async (stream) => {
        const drained = drainSSE(stream, c.var.shutdown.signal, { retry: 3000 });
        for (let id = 0; !stream.closed; id++) {
          await stream.writeSSE({ event: "tick", id: String(id), data: "x" });
          await stream.sleep(5);
        }
        await drained;
      }));
    const response = await app.request("/events");
    const out = collect(response.body!);
    await until(() => out.text().includes("id: 2"));
    assert.equal(shutdown.inFlight.streams, 1);
    const report = await shutdown.trigger();
    await out.done;
    assert.equal(report.exitCode, 0);
    const events = out.text().slice(0, -2).split("\n\n");
    assert.equal(events.pop(), "event: shutdown\ndata: shutting down\nretry: 3000");
    events.forEach((event, i) => assert.equal(event, `event: tick\ndata: x\nid: ${i}`));
  });

  test("resolves when the callback closes the stream itself, and releases the signal", async () => {
    const { app } = setup();
    const controller = new AbortController();
    let listeners = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (...args: Parameters<typeof add>) => (listeners++, add(...args));
    signal.removeEventListener = (...args: Parameters<typeof remove>) => (listeners--, remove(...args));
    const drained = Promise.withResolvers<void>();
    app.get("/once", (c) =>
      streamSSE(c, async (stream) => {
        drainSSE(stream, signal).then(drained.resolve);
        await stream.writeSSE({ data: "only" });
      }));
    const response = await app.request("/once");
    assert.equal(await response.text(), "data: only\n\n");
    await drained.promise;
    assert.equal(listeners, 0);
  });

  test("resolves when the client goes away, writing nothing more", async () => {
    const { shutdown, app } = setup();
    const drained = Promise.withResolvers<void>();
    app.get("/gone", (c) =>
      streamSSE(c, async (stream) => {
        await stream.writeSSE({ data: "first" });
        await drainSSE(stream, c.var.shutdown.signal);
        drained.resolve();
      }));
    const response = await app.request("/gone");
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    await drained.promise;
    assert.equal((await shutdown.trigger()).exitCode, 0);
  });

  test("resolves when the final write fails (the client left as the shutdown began)", async () => {
    const controller = new AbortController();
    let closes = 0;
    const stream = {
      aborted: false,
      closed: false,
      write: () => Promise.reject(new Error("the client went away")),
      close: () => {
        closes++;
        return Promise.resolve();
      },
      onAbort() {},
    };
    const ended = drainSSE(stream as never, controller.signal);
    controller.abort();
    await within(ended, 5_000, "drainSSE");
    assert.equal(closes, 0, "nothing more to close after a failed write");
  });

  test("invalid arguments throw a TypeError naming them", () => {
    assert.throws(() => drainSSE({} as never, new AbortController().signal), {
      name: "TypeError",
      message: "Cannot drain SSE: expected the stream of Hono's streamSSE, received an object",
    });
  });
});
