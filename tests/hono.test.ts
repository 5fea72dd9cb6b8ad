import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { Hono } from "hono";
import { streamText } from "hono/streaming";
import { createShutdown } from "../mod.ts";
import { graceful, type GracefulEnv } from "../src/hono/mod.ts";
import { settle, within } from "./_helpers.ts";

function setup(options: Parameters<typeof createShutdown>[0] = {}) {
  const shutdown = createShutdown({ signals: false, logger: false, timeout: 5_000, ...options });
  const app = new Hono<GracefulEnv>();
  app.use(graceful(shutdown));
  return { shutdown, app };
}

describe("graceful() middleware", () => {
  test("c.var.shutdown.signal aborts when the shutdown starts; the handler wraps up and answers", async () => {
    const { shutdown, app } = setup();
    const started = Promise.withResolvers<void>();
    app.get("/job", async (c) => {
      started.resolve();
      const signal = c.var.shutdown.signal;
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      return c.text(`wrapped up: ${(signal.reason as Error).name}`);
    });
    const pending = app.request("/job");
    await started.promise;
    assert.equal(shutdown.inFlight.requests, 1);
    shutdown.trigger();
    const response = await pending;
    assert.equal(await response.text(), "wrapped up: ShutdownError");
    assert.equal(response.headers.get("connection"), "close");
    assert.equal((await shutdown.done).exitCode, 0);
  });

  test("refuses with 503 while draining, before the route runs", async () => {
    const { shutdown, app } = setup();
    let ran = false;
    app.get("/", (c) => ((ran = true), c.text("no")));
    const task = Promise.withResolvers<void>();
    shutdown.waitUntil(task.promise);
    shutdown.trigger();
    const response = await app.request("/");
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("connection"), "close");
    assert.ok(response.headers.get("retry-after"));
    assert.equal(ran, false);
    task.resolve();
  });

  test("counts a streamed body until it ends, not until next() returns", async () => {
    const { shutdown, app } = setup();
    const finish = Promise.withResolvers<void>();
    app.get("/stream", (c) =>
      streamText(c, async (stream) => {
        await stream.write("a");
        await finish.promise;
        await stream.write("b");
      }));
    const response = await app.request("/stream");
    shutdown.trigger();
    await settle();
    assert.equal(shutdown.phase, "draining");
    assert.equal(shutdown.inFlight.streams, 1);
    finish.resolve();
    assert.equal(await response.text(), "ab");
    const report = await shutdown.done;
    assert.equal(report.finished.requests, 1);
  });

  test("c.var.shutdown.deadline aborts when the drain time is over", async () => {
    const { shutdown, app } = setup({ timeout: 50 });
    app.get("/", async (c) => {
      const deadline = c.var.shutdown.deadline;
      await new Promise((resolve) => deadline.addEventListener("abort", resolve, { once: true }));
      return c.text("stopped");
    });
    const pending = app.request("/");
    await settle();
    shutdown.trigger();
    const response = await within(
      Promise.resolve(pending),
      5_000,
      "the handler, released by the deadline signal",
    );
    assert.equal(await response.text(), "stopped");
    assert.equal((await shutdown.done).cut.requests, 1);
  });

  test("signals handed to work that outlives the response still abort when the shutdown reaches them", async () => {
    const { shutdown, app } = setup({ timeout: 5_000 });
    const held: Array<{ signal: AbortSignal; deadline: AbortSignal }> = [];
    app.get("/", (c) => {
      const { signal, deadline } = c.var.shutdown;
      held.push({ signal, deadline });
      return c.text("accepted");
    });
    // A background job, as a handler would start it: it wraps up when told, else runs out the drain.
    app.get("/job", (c) => {
      const { signal } = c.var.shutdown;
      shutdown.waitUntil(new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true })));
      return c.text("accepted");
    });
    await (await app.request("/job")).text();
    // More ended requests than one sweep of the weakly held signals keeps (1024): none may be dropped.
    for (let i = 0; i < 3000; i++) await (await app.request("/")).text();
    assert.equal(shutdown.inFlight.requests + shutdown.inFlight.streams, 0);
    assert.equal(held.filter(({ signal, deadline }) => signal.aborted || deadline.aborted).length, 0);
    const report = await within(shutdown.trigger(), 4_000, "the drain, ended by the job that was told");
    assert.equal(report.exitCode, 0);
    assert.deepEqual(report.cut, { requests: 0, streams: 0, webSockets: 0, tasks: 0 });
    assert.equal(held.filter(({ signal }) => !signal.aborted).length, 0);
    assert.equal(held.filter(({ deadline }) => !deadline.aborted).length, 0);
    assert.equal((held[0].signal.reason as Error).name, "ShutdownError");
  });

  test("many requests reading the signal leave no listeners on the shutdown's signals", async () => {
    const { shutdown, app } = setup();
    app.get("/", (c) => c.text(String(c.var.shutdown.signal.aborted)));
    const before = getEventListeners(shutdown.signal, "abort").length;
    for (let i = 0; i < 200; i++) await (await app.request("/")).text();
    assert.equal(getEventListeners(shutdown.signal, "abort").length, before);
    assert.equal(shutdown.inFlight.requests + shutdown.inFlight.streams, 0);
  });
});

test("under serve(), Hono's c.executionCtx.waitUntil works and holds the drain", async () => {
  const { serve } = await import("../mod.ts");
  const shutdown = createShutdown({ signals: false, exit: false, logger: false, timeout: 5_000 });
  const work = Promise.withResolvers<void>();
  const app = new Hono<GracefulEnv>().get("/bg", (c) => {
    c.executionCtx.waitUntil(work.promise);
    return c.text("accepted");
  });
  const served = await serve(app, { port: 0, hostname: "127.0.0.1", shutdown, onListen: () => {} });
  const response = await fetch(`http://127.0.0.1:${served.port}/bg`);
  assert.equal(await response.text(), "accepted");
  assert.equal(shutdown.inFlight.tasks, 1);
  void shutdown.trigger();
  await settle();
  assert.equal(shutdown.phase, "draining", "the background work holds the drain");
  work.resolve();
  const report = await within(shutdown.done, 5_000, "the shutdown");
  assert.equal(report.finished.tasks, 1);
  assert.equal(report.exitCode, 0);
});
