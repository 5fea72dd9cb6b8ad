import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { createShutdown } from "../mod.ts";
import { FakeClock, settle } from "./_helpers.ts";

const request = (path = "/") => new Request(`http://localhost${path}`);

/** The handler shape the runtimes call; handlers below ignore what they do not need. */
type Handler = (request: Request, context?: unknown) => Response | Promise<Response>;

function setup(options: Parameters<typeof createShutdown>[0] = {}) {
  const clock = new FakeClock();
  const shutdown = createShutdown({ signals: false, logger: false, clock, timeout: 5_000, ...options });
  return { clock, shutdown };
}

/** A body of `chunks` parts that the test releases one at a time. */
function controlledStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return {
    stream,
    push: (text: string) => controller.enqueue(new TextEncoder().encode(text)),
    end: () => controller.close(),
  };
}

describe("wrap()", () => {
  test("while running it passes through and counts the request until its body has been sent", async () => {
    const { shutdown } = setup();
    const handlerDone = Promise.withResolvers<Response>();
    const handler = shutdown.wrap<Handler>(() => handlerDone.promise);
    const pending = handler(request());
    assert.equal(shutdown.inFlight.requests, 1);
    handlerDone.resolve(new Response("hello"));
    const response = (await pending)!;
    assert.equal(shutdown.inFlight.requests, 0);
    assert.equal(shutdown.inFlight.streams, 1, "body not read yet");
    assert.equal(response.headers.get("connection"), null);
    assert.equal(await response.text(), "hello");
    await settle();
    assert.equal(shutdown.inFlight.streams, 0);
  });

  test("while unready it serves and marks responses Connection: close", async () => {
    const { shutdown } = setup({ delay: 1_000 });
    const handler = shutdown.wrap<Handler>(() => new Response("still here"));
    shutdown.trigger();
    const response = (await handler(request()))!;
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("connection"), "close");
    assert.equal(await response.text(), "still here");
  });

  test("while draining it refuses before the handler runs: 503, Connection: close, Retry-After rounded up", async () => {
    const { shutdown } = setup({ retryAfter: 1_500 });
    let calls = 0;
    const handler = shutdown.wrap<Handler>(() => (calls++, new Response("no")));
    const task = Promise.withResolvers<void>();
    shutdown.waitUntil(task.promise);
    shutdown.trigger();
    const response = (await handler(request()))!;
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("connection"), "close");
    assert.equal(response.headers.get("retry-after"), "2");
    assert.equal(calls, 0);
    task.resolve();
    assert.equal((await shutdown.done).refused, 1);
  });

  test("the drain waits for a streamed body to its last byte", async () => {
    const { shutdown } = setup();
    const body = controlledStream();
    const handler = shutdown.wrap<Handler>(() => new Response(body.stream));
    const response = (await handler(request("/events")))!;
    shutdown.trigger();
    const reader = response.body!.getReader();
    body.push("one");
    assert.equal(new TextDecoder().decode((await reader.read()).value), "one");
    await settle();
    assert.equal(shutdown.phase, "draining");
    body.end();
    assert.equal((await reader.read()).done, true);
    const report = await shutdown.done;
    assert.equal(report.finished.requests, 1);
    assert.equal(report.exitCode, 0);
  });

  test("a cancelled body stops counting; a stream cut at the deadline is reported with method and path", async () => {
    const { clock, shutdown } = setup({ timeout: 1_000 });
    const handler = shutdown.wrap<Handler>(() => new Response(controlledStream().stream));
    const cancelled = (await handler(request("/a")))!;
    await cancelled.body!.cancel();
    assert.equal(shutdown.inFlight.streams, 0);
    await handler(request("/slow?x=1"));
    shutdown.trigger();
    await clock.advance(1_000);
    const report = await shutdown.done;
    assert.deepEqual(report.cutItems, [{ kind: "streams", label: "GET /slow?x=1", age: 1_000 }]);
    assert.equal(report.exitCode, 1);
  });

  test("uses Deno's info.completed and Node's outgoing close where given, without touching the body", async () => {
    const { shutdown } = setup();
    const completed = Promise.withResolvers<void>();
    const handler = shutdown.wrap<Handler>(() => new Response("x"));
    const fromDeno = (await handler(request(), { completed: completed.promise }))!;
    assert.equal(shutdown.inFlight.streams, 1);
    completed.resolve();
    await settle();
    assert.equal(shutdown.inFlight.streams, 0);
    assert.equal(await fromDeno.text(), "x");

    const outgoing = new EventEmitter();
    await handler(request(), { incoming: { httpVersionMajor: 1 }, outgoing });
    assert.equal(shutdown.inFlight.streams, 1);
    outgoing.emit("close");
    assert.equal(shutdown.inFlight.streams, 0);
  });

  test("a throwing handler is not left in flight; responses with immutable headers still get Connection: close", async () => {
    const { shutdown } = setup({ delay: 1_000 });
    const failing = shutdown.wrap<Handler>(() => {
      throw new Error("handler bug");
    });
    assert.throws(() => failing(request()), /handler bug/);
    const rejecting = shutdown.wrap<Handler>(() => Promise.reject(new Error("async bug")));
    await assert.rejects(async () => await rejecting(request()), /async bug/);
    assert.equal(shutdown.inFlight.requests, 0);
    shutdown.trigger();
    const redirect =
      (await shutdown.wrap<Handler>(() => Response.redirect("http://localhost/next", 302))(request()))!;
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get("location"), "http://localhost/next");
    assert.equal(redirect.headers.get("connection"), "close");
  });

  test("HTTP/2 responses never get a Connection header", async () => {
    const { shutdown } = setup({ delay: 1_000 });
    shutdown.trigger();
    const response = (await shutdown.wrap<Handler>(() => new Response("h2"))(request(), {
      incoming: { httpVersionMajor: 2 },
      outgoing: new EventEmitter(),
    }))!;
    assert.equal(response.headers.get("connection"), null);
  });
});

describe("the grace for idle keep-alive connections, where the server cannot count them (Deno, Bun)", () => {
  /** A server with the shape of Deno's HttpServer: records when the drain closes it. */
  function denoLikeServer(clock: FakeClock) {
    const server = {
      closedAt: -1,
      shutdown: () => Promise.resolve(void (server.closedAt = clock.now())),
      finished: Promise.resolve(),
    };
    return server;
  }

  async function keptAliveSetup() {
    const { clock, shutdown } = setup();
    const server = shutdown.attach(denoLikeServer(clock));
    const handler = shutdown.wrap<Handler>(() => new Response("ok"));
    await (await handler(request())).text(); // a keep-alive response went out: idle connections may exist
    return { clock, shutdown, server, handler };
  }

  test("ends 30 ms after the drain began when no request arrives meanwhile", async () => {
    const { clock, shutdown, server } = await keptAliveSetup();
    shutdown.trigger();
    await clock.advance(29);
    assert.equal(server.closedAt, -1);
    await clock.advance(1);
    assert.equal(server.closedAt, 30);
  });

  test("each refused request extends it by 30 ms, up to 100 ms after the drain began", async () => {
    const { clock, shutdown, server, handler } = await keptAliveSetup();
    shutdown.trigger();
    await clock.advance(20);
    assert.equal((await handler(request())).status, 503);
    await clock.advance(25); // 45 ms
    assert.equal((await handler(request())).status, 503);
    await clock.advance(29); // 74 ms: 29 ms quiet
    assert.equal(server.closedAt, -1);
    assert.equal((await handler(request())).status, 503); // quiet until 104 ms, but the grace ends at 100
    await clock.advance(25); // 99 ms
    assert.equal(server.closedAt, -1);
    await clock.advance(1);
    assert.equal(server.closedAt, 100);
  });
});
