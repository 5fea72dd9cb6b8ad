// What a newcomer meets in the first hour: log lines that read right, mistakes that are named at once.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createShutdown } from "../mod.ts";
import { CleanupHooks } from "../src/_lifecycle/hooks.ts";
import { formatMs } from "../src/_lifecycle/report.ts";
import { FakeClock, recordingLogger } from "./_helpers.ts";

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
