import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createShutdown } from "../mod.ts";
import { graceful, type GracefulEnv } from "../src/hono/mod.ts";
import { countListeners } from "./support/listeners.ts";

describe("no listeners pile up on the shutdown's signals", () => {
  test("after 500 requests through graceful() that read their signals and remove what they add, none is left", async () => {
    const shutdown = createShutdown({ signals: false, logger: false, exit: false });
    const listeners = countListeners(shutdown);
    const app = new Hono<GracefulEnv>();
    app.use(graceful(shutdown));
    app.get("/", (c) => {
      const { signal, deadline } = c.var.shutdown;
      // The shutdown's own signals (one per shutdown): what a handler adds, it removes when its work ends.
      const onAbort = () => {};
      signal.addEventListener("abort", onAbort, { once: true });
      deadline.addEventListener("abort", onAbort, { once: true });
      const answer = signal.aborted || deadline.aborted ? "stopping" : "ok";
      signal.removeEventListener("abort", onAbort);
      deadline.removeEventListener("abort", onAbort);
      return c.text(answer);
    });
    const waiting = Promise.withResolvers<void>();
    app.get("/wait", async (c) => {
      const signal = c.var.shutdown.signal;
      waiting.resolve();
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      return c.text("wrapped up");
    });
    for (let i = 0; i < 500; i++) {
      const response = await app.request("/");
      assert.equal(await response.text(), "ok");
    }
    assert.equal(listeners(), 0);
    assert.deepEqual(shutdown.inFlight, { requests: 0, streams: 0, webSockets: 0, tasks: 0 });
    // The signals still work after all that: the shutdown aborts a request's signal that is in flight.
    const pending = app.request("/wait");
    await waiting.promise;
    const done = shutdown.trigger();
    assert.equal(await (await pending).text(), "wrapped up");
    await done;
  });

  test("after 500 requests through wrap() that read shutdown.signal, none is left", async () => {
    const shutdown = createShutdown({ signals: false, logger: false, exit: false });
    const listeners = countListeners(shutdown);
    const handler = shutdown.wrap((_request: Request, _context?: unknown) =>
      new Response(shutdown.signal.aborted ? "stopping" : "ok")
    );
    for (let i = 0; i < 500; i++) {
      const response = await handler(new Request("http://localhost/"));
      assert.equal(await response!.text(), "ok");
    }
    assert.equal(listeners(), 0);
    assert.equal(shutdown.inFlight.requests + shutdown.inFlight.streams, 0);
    await shutdown.trigger();
  });
});
