// Situations where the shutdown used to lose work or misreport it while saying "cut nothing" (the "no silent
// loss" issue, cases e, f and g), in process with a fake clock.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createShutdown, type FetchHandler } from "../mod.ts";
import { FakeClock, recordingLogger, settle } from "./_helpers.ts";

function setup(options: Parameters<typeof createShutdown>[0] = {}) {
  const clock = new FakeClock();
  const logger = recordingLogger();
  const shutdown = createShutdown({ signals: false, exit: false, timeout: 2_000, clock, logger, ...options });
  return { clock, logger, shutdown };
}

describe("delay against the drain budget (f)", () => {
  test("a delay at or above the timeout is a RangeError naming both options and values", () => {
    assert.throws(() => createShutdown({ signals: false, timeout: 2_000, delay: 2_000 }), {
      name: "RangeError",
      message: 'Cannot create shutdown: "delay" must be below "timeout" (2000), received 2000',
    });
  });

  test("a hook that shrinks the budget to the delay or below is warned about at registration", () => {
    const { logger, shutdown } = setup({ delay: 1_500 });
    shutdown.onCleanup(() => {}, { name: "db" });
    const warning = logger.lines.find((line) => line.level === "warn");
    assert.ok(warning, "no warning at registration");
    assert.match(warning.message, /"delay" \(1500 ms\).*drain budget.*1000 ms/);
  });

  test("then the trigger keeps half the budget for the drain, and its log lines state the real numbers", async () => {
    const { clock, logger, shutdown } = setup({ delay: 1_500 });
    shutdown.onCleanup(() => {}, { name: "db" });
    const task = Promise.withResolvers<void>();
    shutdown.waitUntil(task.promise, { name: "in flight" });
    shutdown.trigger();
    const started = logger.lines.find((line) => line.message.startsWith("shutdown started"));
    assert.match(started?.message ?? "", /delay 500 ms, drain up to 500 ms, timeout 2000 ms/);
    assert.ok(logger.lines.some((line) => /still serving for 500 ms/.test(line.message)));
    await clock.advance(500);
    assert.equal(shutdown.phase, "draining");
    task.resolve();
    await settle();
    await clock.advance(10);
    const report = await shutdown.done;
    assert.equal(report.exitCode, 0, "the work in flight finished within the drain");
    assert.deepEqual(report.cutItems, []);
  });
});

describe("a hook that hangs (g)", () => {
  test("hooks without their own timeout share what is left: every hook runs, the hanging one is named", async () => {
    const { clock, shutdown } = setup({ timeout: 3_000, cleanupTimeout: 1_500 });
    const ran: string[] = [];
    shutdown.onCleanup(() => void ran.push("db"), { name: "db" });
    shutdown.onCleanup(() => void ran.push("cache"), { name: "cache" });
    shutdown.onCleanup(() => new Promise(() => {}), { name: "hangs" }); // runs first: registered last
    shutdown.trigger();
    await clock.advance(3_000);
    const report = await shutdown.done;
    assert.deepEqual(ran, ["cache", "db"]);
    assert.deepEqual(report.hooks.map((hook) => [hook.name, hook.outcome]), [
      ["hangs", "timeout"],
      ["cache", "ok"],
      ["db", "ok"],
    ]);
    assert.equal(report.hooks[0].duration, 1_000, "a third of the 3000 ms timeout");
    assert.equal(report.exitCode, 1);
  });
});

describe("a handler that throws while shutting down (e)", () => {
  test("its 500 carries Connection: close, and the error is logged", async () => {
    const { logger, shutdown } = setup({ delay: 1_000 });
    const handler = shutdown.wrap<FetchHandler>(() => {
      throw new Error("boom");
    });
    shutdown.trigger();
    const response = await (handler as (request: Request) => Promise<Response | undefined>)(
      new Request("http://localhost/"),
    );
    assert.equal(response?.status, 500);
    assert.equal(response?.headers.get("connection"), "close");
    assert.ok(logger.lines.some((line) => line.level === "error" && /boom/.test(line.message)));
    assert.equal(shutdown.inFlight.requests, 0);
  });

  test("an async handler that rejects is answered the same way", async () => {
    const { shutdown } = setup({ delay: 1_000 });
    const handler = shutdown.wrap<FetchHandler>(() => Promise.reject(new Error("boom")));
    shutdown.trigger();
    const response = await (handler as (request: Request) => Promise<Response | undefined>)(
      new Request("http://localhost/"),
    );
    assert.equal(response?.status, 500);
    assert.equal(response?.headers.get("connection"), "close");
  });

  test("while running the error still reaches the runtime, which answers it", () => {
    const { shutdown } = setup();
    const handler = shutdown.wrap<FetchHandler>(() => {
      throw new Error("boom");
    });
    assert.throws(() => handler(new Request("http://localhost/")), /boom/);
  });
});
