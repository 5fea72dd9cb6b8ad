import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createShutdown, detectRuntime } from "../mod.ts";

const create = (options: Record<string, unknown>) => () =>
  createShutdown({ signals: false, logger: false, ...options } as Parameters<typeof createShutdown>[0]);

describe("option validation", () => {
  test("durations must be non-negative finite numbers: RangeError naming option and value", () => {
    for (
      const [name, value] of [["timeout", -1], ["delay", NaN], ["cleanupTimeout", Infinity], [
        "retryAfter",
        -5,
      ]]
    ) {
      assert.throws(create({ [name]: value }), {
        name: "RangeError",
        message: `Cannot create shutdown: "${name}" must be a non-negative finite number, received ${value}`,
      });
    }
  });

  test("a duration of the wrong type is a TypeError", () => {
    assert.throws(create({ timeout: "5s" }), {
      name: "TypeError",
      message: 'Cannot create shutdown: "timeout" must be a number of milliseconds, received "5s"',
    });
  });

  test("delay must be below timeout", () => {
    assert.throws(create({ timeout: 1_000, delay: 2_000 }), {
      name: "RangeError",
      message: 'Cannot create shutdown: "delay" must be below "timeout" (1000), received 2000',
    });
  });

  test("unknown signal names, unknown options and bad loggers are refused", () => {
    assert.throws(create({ signals: ["SIGTERM", "SIGTREM"] }), {
      name: "RangeError",
      message: /unknown signal "SIGTREM"/,
    });
    assert.throws(create({ signals: "SIGTERM" }), {
      name: "TypeError",
      message: /"signals" must be an array/,
    });
    assert.throws(create({ timout: 5 }), {
      name: "TypeError",
      message: 'Cannot create shutdown: unknown option "timout"',
    });
    assert.throws(create({ logger: { info() {} } }), {
      name: "TypeError",
      message: /"logger" must be false or an object with info, warn and error methods/,
    });
    assert.throws(create({ exit: "yes" }), { name: "TypeError", message: /"exit" must be a boolean/ });
    assert.throws(create({ clock: {} }), {
      name: "TypeError",
      message: /"clock" must be an object with now/,
    });
  });

  test("registrations check their arguments", () => {
    const shutdown = createShutdown({ signals: false, logger: false });
    assert.throws(() => shutdown.onCleanup("db" as never), {
      name: "TypeError",
      message: /expected a function, received "db"/,
    });
    assert.throws(() => shutdown.onCleanup(() => {}, { timeout: -1 }), {
      name: "RangeError",
      message: 'Cannot register cleanup hook: "timeout" must be a non-negative finite number, received -1',
    });
    assert.throws(() => shutdown.use({} as never), {
      name: "TypeError",
      message: /AsyncDisposable or Disposable/,
    });
    assert.throws(() => shutdown.waitUntil(42 as never), {
      name: "TypeError",
      message: /expected a promise, received 42/,
    });
    assert.throws(() => shutdown.wrap(null as never), { name: "TypeError", message: /Cannot wrap/ });
    assert.throws(() => shutdown.attach({} as never), { name: "TypeError", message: /Cannot attach/ });
    assert.throws(() => shutdown.addReadinessCheck(() => true, { timeout: NaN }), { name: "RangeError" });
  });
});

describe("detectRuntime", () => {
  test("names the runtime running this test", () => {
    const g = globalThis as Record<string, unknown>;
    const expected = g.Deno ? "deno" : g.Bun ? "bun" : "node";
    assert.equal(detectRuntime(), expected);
  });
});

test("serve() refuses a port that is not one, naming it", async () => {
  const { serve } = await import("../mod.ts");
  const shutdown = createShutdown({ signals: false, logger: false });
  await assert.rejects(serve(() => new Response("x"), { port: "80a" as never, shutdown }), {
    name: "TypeError",
    message: 'Cannot serve: "port" must be a port number, received "80a"',
  });
  await assert.rejects(serve(() => new Response("x"), { port: 70_000, shutdown }), {
    name: "RangeError",
    message: 'Cannot serve: "port" must be an integer from 0 to 65535, received 70000',
  });
});
