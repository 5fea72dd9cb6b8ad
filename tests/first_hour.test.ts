// What a newcomer meets in the first hour: log lines that read right, mistakes that are named at once.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createShutdown, detectRuntime, serve, type Shutdown } from "../mod.ts";
import { graceful, type GracefulEnv } from "../src/hono/mod.ts";
import { CleanupHooks } from "../src/_lifecycle/hooks.ts";
import { formatMs } from "../src/_lifecycle/report.ts";
import { FakeClock, recordingLogger, until, within } from "./_helpers.ts";

function setup(options: Parameters<typeof createShutdown>[0] = {}) {
  const clock = new FakeClock();
  const logger = recordingLogger();
  const shutdown = createShutdown({ signals: false, timeout: 10_000, clock, logger, ...options });
  return { clock, logger, shutdown };
}

/** The seconds of every "… left" figure the log printed, in order. */
const leftFigures = (lines: Array<{ message: string }>) =>
  lines.flatMap(({ message }) => {
    const match = / (-?[\d.]+) (s|ms) left/.exec(message);
    return match ? [Number(match[1]) * (match[2] === "s" ? 1000 : 1)] : [];
  });

describe("log lines", () => {
  test('"left" only goes down, from the progress lines to the cleanup line', async () => {
    const { clock, shutdown, logger } = setup({ timeout: 10_000, cleanupTimeout: 2_000 });
    shutdown.onCleanup(() => {}, { name: "db" });
    const task = Promise.withResolvers<void>();
    shutdown.waitUntil(task.promise);
    shutdown.trigger();
    await clock.advance(2_500);
    task.resolve();
    await shutdown.done;
    const left = leftFigures(logger.lines);
    assert.ok(left.length >= 4, logger.lines.map((l) => l.message).join("\n"));
    for (let i = 1; i < left.length; i++) {
      assert.ok(left[i] <= left[i - 1], `went up from ${left[i - 1]} to ${left[i]} ms: ${left.join(", ")}`);
    }
    assert.equal(left[0], 10_000, "counted to the one deadline, timeout after the trigger");
  });

  test("never a negative figure: a cleanup that begins past the deadline has 0 ms left", async () => {
    assert.equal(formatMs(-2), "0 ms");
    const logger = recordingLogger();
    const clock = new FakeClock();
    await clock.advance(10);
    await new CleanupHooks().run(8, clock, logger, () => true);
    assert.equal(logger.lines[0].message, "cleanup: 0 hook(s), 0 ms left");
  });

  test("the report's Error reason keeps its name, message and stack in JSON", async () => {
    const { shutdown } = setup();
    const error = new TypeError("boom");
    const report = await shutdown.trigger(error);
    const json = JSON.parse(JSON.stringify(report));
    assert.deepEqual(json.reason, { name: "TypeError", message: "boom", stack: error.stack });
    assert.equal(shutdown.signal.reason.cause, error, "the error itself stays the signal's cause");
    assert.equal((await setup().shutdown.trigger("deploy")).reason, "deploy");
  });
});

const quiet = (logger = recordingLogger()) => ({
  logger,
  shutdown: createShutdown({ signals: false, logger, timeout: 5_000 }),
});
const warnings = (logger: ReturnType<typeof recordingLogger>) =>
  logger.lines.filter((l) => l.level === "warn").map((l) => l.message);

describe("serve()'s listening line", () => {
  test("goes through the shutdown's logger, with the address bound (every interface, not localhost)", async () => {
    const { logger, shutdown } = quiet();
    const served = await serve(() => new Response("hello"), { port: 0, shutdown });
    await shutdown.trigger();
    assert.notEqual(served.hostname, "localhost");
    const info = logger.lines.filter((l) => l.level === "info").map((l) => l.message);
    assert.match(info[0], /^listening on http:\/\/(\[::\]|0\.0\.0\.0):\d+$/);
    assert.ok(info[0].endsWith(`:${served.port}`), info[0]);
  });

  test("logger: false prints nothing", async () => {
    const shutdown = createShutdown({ signals: false, logger: false });
    const printed: unknown[] = [];
    const info = console.info;
    console.info = (...args: unknown[]) => void printed.push(args);
    try {
      await serve(() => new Response("hello"), { port: 0, hostname: "127.0.0.1", shutdown });
    } finally {
      console.info = info;
    }
    await shutdown.trigger();
    assert.deepEqual(printed, []);
  });
});

describe("graceful() registered after the routes", () => {
  const serveApp = async (app: Hono<GracefulEnv>, shutdown: Shutdown) => {
    const served = await serve(app, { port: 0, hostname: "127.0.0.1", shutdown });
    return (path: string) => fetch(`http://127.0.0.1:${served.port}${path}`).then((r) => r.text());
  };

  test("serve() warns once, naming the route and the fix", async () => {
    const { logger, shutdown } = quiet();
    const app = new Hono<GracefulEnv>();
    app.get("/report", (c) => c.text(String(c.var.shutdown?.signal.aborted)));
    app.use(graceful(shutdown));
    const get = await serveApp(app, shutdown);
    await get("/report");
    await get("/report");
    await shutdown.trigger();
    const found = warnings(logger).filter((m) => m.startsWith("graceful() is registered after"));
    assert.equal(found.length, 1, warnings(logger).join("\n"));
    assert.match(found[0], /after the route GET \/report: /);
    assert.match(found[0], /app\.use\(graceful\(shutdown\)\)/);
  });

  test("a route added after serve() is caught at the first request; graceful() first says nothing", async () => {
    const { logger, shutdown } = quiet();
    const app = new Hono<GracefulEnv>();
    const get = await serveApp(app, shutdown);
    app.get("/late", (c) => c.text("late"));
    app.use(graceful(shutdown));
    assert.equal(await get("/late"), "late");
    await shutdown.trigger();
    assert.equal(warnings(logger).filter((m) => m.startsWith("graceful() is registered")).length, 1);

    const ok = quiet();
    const first = new Hono<GracefulEnv>();
    first.use(graceful(ok.shutdown));
    first.get("/", (c) => c.text(String(c.var.shutdown.signal.aborted)));
    assert.equal(await (await serveApp(first, ok.shutdown))("/"), "false");
    await ok.shutdown.trigger();
    assert.deepEqual(warnings(ok.logger), []);
  });
});

describe("attach() twice", () => {
  test("attaching the server serve() attached changes nothing: the drain takes no longer", async () => {
    const timed = async (again: boolean) => {
      const { logger, shutdown } = quiet();
      const handler = () =>
        new Promise<Response>((resolve) => setTimeout(() => resolve(new Response("hi")), 100));
      const served = await serve(handler, { port: 0, hostname: "127.0.0.1", shutdown });
      if (again) shutdown.attach(served.server as Parameters<Shutdown["attach"]>[0]);
      const answered = fetch(`http://127.0.0.1:${served.port}/`).then((response) => response.text());
      await until(() => shutdown.inFlight.requests === 1, 5_000, "the request in flight");
      const started = performance.now();
      const report = await within(shutdown.trigger(), 5_000, "the shutdown");
      assert.equal(await answered, "hi");
      assert.deepEqual(warnings(logger), []);
      return { ms: performance.now() - started, report };
    };
    const once = await timed(false);
    const twice = await timed(true);
    assert.equal(twice.report.exitCode, 0);
    assert.ok(twice.ms < once.ms + 400, `once ${once.ms.toFixed(0)} ms, twice ${twice.ms.toFixed(0)} ms`);
  });
});

describe("mistakes named at once", () => {
  test("onCleanup() options: a string, or an unknown key, is a TypeError naming it", () => {
    const { shutdown } = quiet();
    const fn = () => {};
    assert.throws(() => shutdown.onCleanup(fn, "db" as never), {
      name: "TypeError",
      message: 'Cannot register cleanup hook: "options" must be an object, received "db"',
    });
    assert.throws(() => shutdown.onCleanup(fn, { nmae: "db" } as never), {
      name: "TypeError",
      message: 'Cannot register cleanup hook: unknown option "nmae"',
    });
    assert.throws(() => shutdown.onCleanup(fn, { name: 1 } as never), {
      name: "TypeError",
      message: 'Cannot register cleanup hook: "name" must be a string, received 1',
    });
  });

  test("a cleanup hook registered once the hooks ran is named in a warning", async () => {
    const { logger, shutdown } = quiet();
    await shutdown.trigger();
    shutdown.onCleanup(() => {}, { name: "db" });
    assert.deepEqual(warnings(logger), [
      'cleanup hook "db" registered in phase stopped, after the hooks ran: it will not run. ' +
      "Register cleanup hooks before the shutdown starts",
    ]);
  });

  test("a timeout below 100 ms (seconds by mistake) is accepted with a warning", () => {
    const logger = recordingLogger();
    const shutdown = createShutdown({ signals: false, logger, timeout: 5 });
    shutdown.onCleanup(() => {}, { name: "db", timeout: 3 });
    assert.deepEqual(warnings(logger), [
      'createShutdown(): "timeout" is 5 ms; every duration is in milliseconds (for 5 s, write 5000)',
      'cleanup hook "db": "timeout" is 3 ms; every duration is in milliseconds (for 3 s, write 3000)',
    ]);
    assert.deepEqual(warnings(quiet().logger), []);
  });

  test("serve(): a shutdown not made by createShutdown(), a path without its slash, tls without its PEM texts, serverOptions not an object", async () => {
    const app = () => new Response("hello");
    await assert.rejects(serve(app, { shutdown: {} as Shutdown }), {
      name: "TypeError",
      message: 'Cannot serve: "shutdown" must be a shutdown made by createShutdown(), received an object',
    });
    const { shutdown } = quiet();
    await assert.rejects(serve(app, { shutdown, readyPath: "ready" }), {
      name: "RangeError",
      message:
        'Cannot serve: "readyPath" must be a path starting with "/" (it is matched against the URL\'s ' +
        'path), received "ready"',
    });
    await assert.rejects(serve(app, { shutdown, livePath: 1 as never }), { name: "TypeError" });
    await assert.rejects(serve(app, { shutdown, serverOptions: "fast" as never }), {
      name: "TypeError",
      message: 'Cannot serve: "serverOptions" must be an object, received "fast"',
    });
    // tls: {} (an unset environment variable) served cleartext on Deno and Bun without a word.
    await assert.rejects(serve(app, { shutdown, tls: { cert: undefined as never, key: "k" } }), {
      name: "TypeError",
      message:
        'Cannot serve: "tls.cert" must be the PEM text (a non-empty string or bytes), received undefined',
    });
    await assert.rejects(serve(app, { shutdown, tls: "x" as never }), {
      name: "TypeError",
      message: 'Cannot serve: "tls" must be an object with cert and key, received "x"',
    });
    await assert.rejects(serve(app, { shutdown, hostname: 5 as never }), {
      name: "TypeError",
      message: 'Cannot serve: "hostname" must be a host name or address such as "127.0.0.1", received 5',
    });
    await assert.rejects(serve(app, { shutdown, serverOptions: { port: 1 } }), {
      name: "TypeError",
      message:
        'Cannot serve: "serverOptions" must be an object without "port" (serve() sets it: use its own ' +
        "options), received an object",
    });
  });

  test("serve() on Node: serverOptions.ServerResponse that is not a class", {
    skip: detectRuntime() !== "node" && "the option of node:http's createServer()",
  }, async () => {
    const { shutdown } = quiet();
    await assert.rejects(
      serve(() => new Response("hello"), { shutdown, serverOptions: { ServerResponse: "mine" } }),
      {
        name: "TypeError",
        message:
          'Cannot serve: "serverOptions.ServerResponse" must be a subclass of node:http\'s ServerResponse, ' +
          'received "mine"',
      },
    );
  });
});

describe("serverOptions", () => {
  test("reach the runtime's own server", async () => {
    const { shutdown } = quiet();
    const runtime = detectRuntime();
    // Something each runtime's own option changes that a client sees.
    const serverOptions: Record<string, unknown> = runtime === "deno"
      ? { onError: () => new Response("from onError", { status: 500 }) }
      : runtime === "bun"
      ? { error: () => new Response("from error", { status: 500 }) }
      : { maxHeaderSize: 1024 };
    const served = await serve(() => {
      throw new Error("boom");
    }, { port: 0, hostname: "127.0.0.1", shutdown, serverOptions });
    const url = `http://127.0.0.1:${served.port}/`;
    if (runtime === "node") {
      const response = await fetch(url, { headers: { "x-big": "x".repeat(2048) } });
      await response.body?.cancel();
      assert.equal(response.status, 431);
    } else {
      const response = await fetch(url);
      assert.equal(await response.text(), runtime === "deno" ? "from onError" : "from error");
    }
    await shutdown.trigger();
  });
});
