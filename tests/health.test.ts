import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createShutdown } from "../mod.ts";
import { FakeClock } from "./_helpers.ts";

describe("readiness and liveness", () => {
  test("readiness is 200 while running and 503 from unready on; liveness stays 200 until stopped", async () => {
    const clock = new FakeClock();
    const shutdown = createShutdown({ signals: false, logger: false, clock, delay: 1_000, timeout: 5_000 });
    const ready = await shutdown.readiness();
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: "ready", phase: "running" });
    shutdown.trigger();
    const unready = await shutdown.readiness();
    assert.equal(unready.status, 503);
    assert.deepEqual(await unready.json(), { status: "unready", phase: "unready" });
    assert.equal(shutdown.liveness().status, 200);
    await clock.advance(1_000);
    await shutdown.done;
    const dead = shutdown.liveness();
    assert.equal(dead.status, 503);
    assert.deepEqual(await dead.json(), { status: "stopped", phase: "stopped" });
  });

  test("a failing, throwing or slow application check makes readiness 503", async () => {
    const clock = new FakeClock();
    const shutdown = createShutdown({ signals: false, logger: false, clock });
    let healthy = true;
    const off = shutdown.addReadinessCheck(() => healthy, { name: "db" });
    assert.equal((await shutdown.readiness()).status, 200);
    healthy = false;
    assert.equal((await shutdown.readiness()).status, 503);
    off();
    assert.equal((await shutdown.readiness()).status, 200);

    shutdown.addReadinessCheck(() => Promise.reject(new Error("down")), { name: "cache" });
    assert.equal((await shutdown.readiness()).status, 503);
  });

  test("a check that hangs fails at its timeout and sees its signal abort", async () => {
    const clock = new FakeClock();
    const shutdown = createShutdown({ signals: false, logger: false, clock });
    const seen = Promise.withResolvers<AbortSignal>();
    shutdown.addReadinessCheck((signal) => {
      seen.resolve(signal);
      return new Promise(() => {});
    }, { name: "slow", timeout: 200 });
    const pending = shutdown.readiness();
    await clock.advance(200);
    assert.equal((await pending).status, 503);
    assert.equal((await seen.promise).aborted, true);
  });
});
