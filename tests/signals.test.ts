import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createShutdown } from "../mod.ts";
import { recordingLogger, within } from "./_helpers.ts";

/**
 * Sends a real signal to this very process through the runtime's own API. SIGHUP, because Node gives
 * SIGUSR1 to the inspector and SIGUSR2 to diagnostic reports.
 */
function raise(signal: "SIGHUP"): void {
  const g = globalThis as { Deno?: { kill(pid: number, signal: string): void; pid: number } };
  if (g.Deno) g.Deno.kill(g.Deno.pid, signal);
  else process.kill(process.pid, signal);
}

const listenerCount = (signal: string) =>
  (globalThis as { Deno?: unknown }).Deno ? 0 : process.listenerCount(signal);

describe("signals", () => {
  test("a real signal starts the shutdown; listeners are removed when stopped", async () => {
    const before = listenerCount("SIGHUP");
    const shutdown = createShutdown({ signals: ["SIGHUP"], exit: false, logger: false, timeout: 2_000 });
    if (!(globalThis as { Deno?: unknown }).Deno) assert.equal(listenerCount("SIGHUP"), before + 1);
    raise("SIGHUP");
    const report = await within(shutdown.done, 5_000, "the shutdown");
    assert.equal(report.trigger, "SIGHUP");
    assert.equal(report.exitCode, 0);
    assert.equal(listenerCount("SIGHUP"), before);
  });

  test("a second signal ends the drain at once with exit code 128 + n", async () => {
    const shutdown = createShutdown({ signals: ["SIGHUP"], exit: false, logger: false, timeout: 30_000 });
    shutdown.waitUntil(new Promise(() => {}), { name: "stuck" });
    const hook = { ran: false };
    shutdown.onCleanup(() => void (hook.ran = true), { name: "late" });
    raise("SIGHUP");
    const started = new Promise<void>((resolve) =>
      shutdown.signal.addEventListener("abort", () => resolve())
    );
    await within(started, 5_000, "the first signal");
    raise("SIGHUP");
    const report = await within(shutdown.done, 5_000, "the second signal");
    assert.equal(report.exitCode, 128 + 1);
    assert.equal(report.cut.tasks, 1);
    assert.equal(hook.ran, false);
    assert.deepEqual(report.hooks, [{ name: "late", outcome: "skipped", duration: 0 }]);
  });
});

test("a second signal is logged as such, not as the deadline", async () => {
  const logger = recordingLogger();
  const shutdown = createShutdown({ signals: ["SIGHUP"], exit: false, logger, timeout: 30_000 });
  shutdown.waitUntil(new Promise(() => {}), { name: "stuck" });
  const started = new Promise<void>((resolve) => shutdown.signal.addEventListener("abort", () => resolve()));
  raise("SIGHUP");
  await within(started, 5_000, "the first signal");
  raise("SIGHUP");
  await within(shutdown.done, 5_000, "the second signal");
  const warnings = logger.lines.filter((l) => l.level === "warn").map((l) => l.message);
  assert.ok(warnings.includes("SIGHUP again: cutting 1 in flight"), warnings.join("\n"));
  assert.ok(!warnings.some((m) => m.startsWith("deadline:")), warnings.join("\n"));
});
