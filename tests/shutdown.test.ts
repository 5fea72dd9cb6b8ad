import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createShutdown, ShutdownError } from "../mod.ts";
import { FakeClock, recordingLogger, settle } from "./_helpers.ts";

function setup(options: Parameters<typeof createShutdown>[0] = {}) {
  const clock = new FakeClock();
  const logger = recordingLogger();
  const shutdown = createShutdown({ signals: false, timeout: 10_000, clock, logger, ...options });
  return { clock, logger, shutdown };
}

describe("lifecycle", () => {
  test("goes running → unready → draining → cleanup → stopped, each once and in order", async () => {
    const { clock, shutdown } = setup({ delay: 1_000 });
    const task = Promise.withResolvers<void>();
    shutdown.waitUntil(task.promise, { name: "flush" });
    const hook = Promise.withResolvers<void>();
    shutdown.onCleanup(() => hook.promise, { name: "db" });
    assert.equal(shutdown.phase, "running");
    shutdown.trigger("deploy");
    assert.equal(shutdown.phase, "unready");
    await clock.advance(999);
    assert.equal(shutdown.phase, "unready");
    await clock.advance(1);
    assert.equal(shutdown.phase, "draining");
    task.resolve();
    await settle();
    assert.equal(shutdown.phase, "cleanup");
    hook.resolve();
    const report = await shutdown.done;
    assert.equal(shutdown.phase, "stopped");
    assert.deepEqual(report.phases, { unready: 0, draining: 1_000, cleanup: 1_000, stopped: 1_000 });
    assert.equal(report.trigger, "manual");
    assert.equal(report.reason, "deploy");
    assert.equal(report.exitCode, 0);
    assert.deepEqual(report.finished, { requests: 0, streams: 0, webSockets: 0, tasks: 1 });
  });

  test("skips unready when delay is 0 and stops at once when idle", async () => {
    const { shutdown } = setup();
    shutdown.trigger();
    const report = await shutdown.done;
    assert.equal(report.phases.unready, undefined);
    assert.equal(report.duration, 0);
    assert.equal(report.exitCode, 0);
  });

  test("trigger() is idempotent and returns done", async () => {
    const { shutdown } = setup();
    const first = shutdown.trigger("a");
    const second = shutdown.trigger("b");
    assert.equal(first, shutdown.done);
    assert.equal(second, shutdown.done);
    assert.equal((await first).reason, "a");
  });

  test("signal aborts at the trigger and deadline when the drain is over, both with a ShutdownError", async () => {
    const { clock, shutdown } = setup({ delay: 500 });
    const task = Promise.withResolvers<void>();
    shutdown.waitUntil(task.promise);
    assert.equal(shutdown.signal.aborted, false);
    shutdown.trigger();
    assert.equal(shutdown.signal.aborted, true);
    assert.ok(shutdown.signal.reason instanceof ShutdownError);
    await clock.advance(600);
    assert.equal(shutdown.deadline.aborted, false);
    task.resolve();
    await shutdown.done;
    assert.ok(shutdown.deadline.reason instanceof ShutdownError);
  });

  test("Symbol.asyncDispose triggers and awaits done", async () => {
    const { shutdown } = setup();
    {
      await using _scope = shutdown;
      assert.equal(shutdown.phase, "running");
    }
    assert.equal(shutdown.phase, "stopped");
    assert.equal((await shutdown.done).trigger, "dispose");
  });
});

describe("deadline", () => {
  test("cuts unfinished work at timeout - cleanupTimeout, aborts deadline, reports it, exit code 1", async () => {
    const { clock, shutdown, logger } = setup({ timeout: 5_000, cleanupTimeout: 1_000 });
    shutdown.waitUntil(new Promise(() => {}), { name: "never" });
    let hookRanAt = -1;
    shutdown.onCleanup(() => void (hookRanAt = clock.now()), { name: "db" });
    shutdown.trigger();
    await clock.advance(3_999);
    assert.equal(shutdown.phase, "draining");
    assert.equal(shutdown.deadline.aborted, false);
    await clock.advance(1);
    assert.equal(shutdown.deadline.aborted, true);
    const report = await shutdown.done;
    assert.equal(hookRanAt, 4_000);
    assert.deepEqual(report.cut, { requests: 0, streams: 0, webSockets: 0, tasks: 1 });
    assert.deepEqual(report.cutItems, [{ kind: "tasks", label: "never", age: 4_000 }]);
    assert.equal(report.forced, true);
    assert.equal(report.exitCode, 1);
    assert.ok(
      logger.lines.some((line) => line.level === "warn" && line.message.includes("cut: tasks never")),
    );
  });

  test("the drain gets all of timeout when no hook is registered", async () => {
    const { clock, shutdown } = setup({ timeout: 5_000, cleanupTimeout: 1_000 });
    shutdown.waitUntil(new Promise(() => {}));
    shutdown.trigger();
    await clock.advance(4_999);
    assert.equal(shutdown.phase, "draining");
    await clock.advance(1);
    assert.equal((await shutdown.done).duration, 5_000);
  });

  test("cleanupTimeout is clamped to half of timeout", async () => {
    const { clock, shutdown } = setup({ timeout: 1_000, cleanupTimeout: 5_000 });
    shutdown.waitUntil(new Promise(() => {}));
    shutdown.onCleanup(() => {});
    shutdown.trigger();
    await clock.advance(499);
    assert.equal(shutdown.phase, "draining");
    await clock.advance(1);
    assert.equal(shutdown.phase, "stopped");
  });

  test("the whole shutdown never outlasts timeout, even with a hanging hook", async () => {
    const { clock, shutdown } = setup({ timeout: 2_000, delay: 500 });
    shutdown.onCleanup(() => new Promise(() => {}), { name: "hang" });
    shutdown.trigger();
    await clock.advance(2_000);
    const report = await shutdown.done;
    assert.equal(report.duration, 2_000);
    assert.deepEqual(report.hooks.map((h) => [h.name, h.outcome]), [["hang", "timeout"]]);
    assert.equal(report.exitCode, 1);
  });

  test("a delay just below the timeout still passes through every phase", async () => {
    const { clock, shutdown } = setup({ timeout: 1_000, delay: 999 });
    shutdown.trigger();
    assert.equal(shutdown.phase, "unready");
    await clock.advance(1_000);
    const report = await shutdown.done;
    assert.equal(report.phases.unready, 0);
    assert.equal(report.phases.draining, 999);
    assert.equal(report.exitCode, 0);
  });
});

describe("tasks", () => {
  test("waitUntil holds the drain until the task settles", async () => {
    const { shutdown } = setup();
    const task = Promise.withResolvers<void>();
    shutdown.waitUntil(task.promise);
    assert.equal(shutdown.inFlight.tasks, 1);
    shutdown.trigger();
    await settle();
    assert.equal(shutdown.phase, "draining");
    task.resolve();
    await shutdown.done;
    assert.equal(shutdown.inFlight.tasks, 0);
  });

  test("a rejected task is logged and reported, not thrown, and makes the exit code 1", async () => {
    const { shutdown, logger } = setup();
    const task = Promise.withResolvers<void>();
    shutdown.waitUntil(task.promise, { name: "upload" });
    shutdown.trigger();
    task.reject(new Error("bucket gone"));
    const report = await shutdown.done;
    assert.equal(report.failedTasks, 1);
    assert.equal(report.exitCode, 1);
    assert.ok(
      logger.lines.some((l) => l.level === "error" && l.message.includes('"upload" failed: bucket gone')),
    );
  });
});

describe("cleanup hooks", () => {
  test("run last registered first; a failing one is reported and the rest still run", async () => {
    const { shutdown } = setup();
    const order: string[] = [];
    shutdown.onCleanup(() => void order.push("first"), { name: "first" });
    shutdown.onCleanup(() => {
      order.push("second");
      throw new Error("boom");
    }, { name: "second" });
    shutdown.onCleanup(() => Promise.resolve(void order.push("third")), { name: "third" });
    const report = await shutdown.trigger();
    assert.deepEqual(order, ["third", "second", "first"]);
    assert.deepEqual(report.hooks.map((h) => [h.name, h.outcome, h.error]), [
      ["third", "ok", undefined],
      ["second", "failed", "boom"],
      ["first", "ok", undefined],
    ]);
    assert.equal(report.exitCode, 1);
  });

  test("a hook that hangs is cut at its own timeout, gets an aborted signal, and the next one runs", async () => {
    const { clock, shutdown } = setup();
    let hookSignal: AbortSignal | undefined;
    let ranAt = -1;
    shutdown.onCleanup(() => void (ranAt = clock.now()), { name: "after" });
    shutdown.onCleanup((signal) => {
      hookSignal = signal;
      return new Promise(() => {});
    }, { name: "hang", timeout: 300 });
    shutdown.trigger();
    await clock.advance(300);
    const report = await shutdown.done;
    assert.equal(hookSignal?.aborted, true);
    assert.equal(ranAt, 300);
    assert.deepEqual(report.hooks.map((h) => [h.name, h.outcome, h.duration]), [["hang", "timeout", 300], [
      "after",
      "ok",
      0,
    ]]);
  });

  test("unregistered hooks do not run; use() disposes resources in the same order", async () => {
    const { shutdown } = setup();
    const order: string[] = [];
    const off = shutdown.onCleanup(() => void order.push("removed"));
    shutdown.use({ [Symbol.dispose]: () => void order.push("sync") }, { name: "sync" });
    shutdown.use({ [Symbol.asyncDispose]: () => Promise.resolve(void order.push("async")) }, {
      name: "async",
    });
    off();
    const report = await shutdown.trigger();
    assert.deepEqual(order, ["async", "sync"]);
    assert.deepEqual(report.hooks.map((h) => h.name), ["async", "sync"]);
  });
});

describe("logging", () => {
  test("one line per phase, a progress line every second while draining, structured data on each", async () => {
    const { clock, shutdown, logger } = setup({ timeout: 5_000 });
    const task = Promise.withResolvers<void>();
    shutdown.waitUntil(task.promise);
    shutdown.trigger("deploy");
    await clock.advance(1_000);
    task.resolve();
    await shutdown.done;
    const messages = logger.lines.map((l) => l.message);
    assert.match(messages[0], /^shutdown started \(manual\)/);
    assert.equal(messages[1], "draining: 1 task, 5.0 s left");
    assert.equal(messages[2], "draining: 1 task, 4.0 s left");
    assert.match(messages[3], /^cleanup: 0 hook\(s\)/);
    assert.match(messages[4], /^stopped: exit code 0 after 1000 ms; finished 1 task/);
    assert.deepEqual(logger.lines[2].data, {
      phase: "draining",
      requests: 0,
      streams: 0,
      webSockets: 0,
      tasks: 1,
      remaining: 4_000,
    });
  });

  test("with a delay, progress goes on once a second across the phase change, never twice", async () => {
    const { clock, shutdown, logger } = setup({ timeout: 5_000, delay: 1_000 });
    const task = Promise.withResolvers<void>();
    shutdown.waitUntil(task.promise);
    shutdown.trigger();
    await clock.advance(3_000);
    task.resolve();
    await shutdown.done;
    const progress = logger.lines.map((l) => l.message).filter((m) => /^(unready|draining): \d/.test(m));
    assert.deepEqual(progress, [
      "draining: 1 task, 4.0 s left", // the phase line at 1000 ms
      "draining: 1 task, 3.0 s left",
      "draining: 1 task, 2.0 s left",
    ]);
  });

  test("logger: false is silent", async () => {
    const shutdown = createShutdown({ signals: false, logger: false });
    assert.equal((await shutdown.trigger()).exitCode, 0);
  });
});
