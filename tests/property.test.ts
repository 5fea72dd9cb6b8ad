import { test } from "node:test";
import assert from "node:assert/strict";
import { createShutdown, type Phase } from "../mod.ts";
import { FakeClock, settle } from "./_helpers.ts";

const PHASES: Phase[] = ["running", "unready", "draining", "cleanup", "stopped"];
const CASES = 1_500;

/** mulberry32: a small seeded PRNG, so that a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function runCase(seed: number): Promise<void> {
  const rand = random(seed);
  const int = (max: number) => Math.floor(rand() * (max + 1));
  const clock = new FakeClock();
  const timeout = int(5_000);
  const shutdown = createShutdown({
    signals: false,
    logger: false,
    clock,
    timeout,
    delay: timeout > 0 ? int(timeout - 1) : 0, // below the timeout, as creation requires
    cleanupTimeout: int(3_000),
  });
  let resolutions = 0;
  void shutdown.done.then(() => resolutions++);
  const pending: Array<{ succeed(): void; fail(): void }> = [];
  const handler = shutdown.wrap((_request: Request) => {
    const d = Promise.withResolvers<Response>();
    pending.push({ succeed: () => d.resolve(new Response("ok")), fail: () => d.reject(new Error("failed")) });
    return d.promise;
  });
  let lastPhase = 0;
  const check = () => {
    const index = PHASES.indexOf(shutdown.phase);
    assert.ok(
      index >= lastPhase,
      `seed ${seed}: phase went back from ${PHASES[lastPhase]} to ${shutdown.phase}`,
    );
    lastPhase = index;
    for (const [kind, n] of Object.entries(shutdown.inFlight)) {
      assert.ok(n >= 0, `seed ${seed}: ${kind} = ${n}`);
    }
  };
  let triggeredAt: number | undefined;
  for (let step = 0; step < 24; step++) {
    switch (int(6)) {
      case 0: {
        const d = Promise.withResolvers<void>();
        shutdown.waitUntil(d.promise);
        pending.push({ succeed: () => d.resolve(), fail: () => d.reject(new Error("failed")) });
        break;
      }
      case 1: {
        const d = pending.splice(int(pending.length - 1), 1)[0];
        if (rand() < 0.8) d?.succeed();
        else d?.fail();
        break;
      }
      case 2: {
        const kind = int(3);
        shutdown.onCleanup(
          () => kind === 0 ? undefined : kind === 1 ? Promise.reject(new Error("x")) : new Promise(() => {}),
          { timeout: rand() < 0.5 ? int(2_000) : undefined },
        );
        break;
      }
      case 3:
        if (triggeredAt === undefined) triggeredAt = clock.now();
        void shutdown.trigger();
        break;
      case 4:
        void Promise.resolve(handler(new Request("http://localhost/"))).then(
          (r) => r?.body?.cancel(),
          () => {},
        );
        break;
      default:
        await clock.advance(int(2_000));
    }
    await settle(5);
    check();
  }
  if (triggeredAt === undefined) triggeredAt = clock.now();
  void shutdown.trigger();
  await clock.advance(timeout + 1);
  check();
  assert.equal(shutdown.phase, "stopped", `seed ${seed}: not stopped after timeout`);
  const report = await shutdown.done;
  await settle();
  assert.equal(resolutions, 1, `seed ${seed}: done resolved ${resolutions} times`);
  assert.ok(report.duration <= timeout, `seed ${seed}: took ${report.duration} ms of ${timeout}`);
  assert.equal(clock.now() - triggeredAt >= report.duration, true);
  for (const [kind, n] of Object.entries(shutdown.inFlight)) assert.equal(n, 0, `seed ${seed}: ${kind} left`);
}

test(`invariants hold over ${CASES} random interleavings of triggers, tasks, requests, hooks and time`, {
  timeout: 60_000,
}, async () => {
  for (let seed = 1; seed <= CASES; seed++) await runCase(seed);
});
