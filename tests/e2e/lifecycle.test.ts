import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Fixture } from "../support/fixture.ts";
import { RUNTIMES } from "../support/runtimes.ts";

const started = new Set<Fixture>();
after(() => started.forEach((fixture) => fixture.dispose()));

async function start(...args: Parameters<typeof Fixture.start>) {
  const result = await Fixture.start(...args);
  started.add(result.fixture);
  return result;
}

const hooksRun = (fixture: Fixture) => fixture.events.filter((e) => e.event === "hook").map((e) => e.name);

for (const runtime of RUNTIMES) {
  describe(`lifecycle on ${runtime.name}`, { timeout: 60_000 }, () => {
    test("SIGTERM when idle: hooks run last-registered-first, exit code 0, well inside the deadline", async () => {
      const { fixture } = await start(runtime, { shutdown: { timeout: 5_000 } });
      const sent = fixture.kill("SIGTERM");
      const exit = await fixture.exit(5_000 + 2_000);
      assert.equal(exit.code, 0, fixture.stderr);
      assert.deepEqual(hooksRun(fixture), ["second", "first"]);
      assert.equal(fixture.report?.trigger, "SIGTERM");
      assert.ok(exit.at - sent < 5_000, `exited ${exit.at - sent} ms after SIGTERM`);
    });

    test("SIGINT starts the same shutdown", async () => {
      const { fixture } = await start(runtime);
      fixture.kill("SIGINT");
      const exit = await fixture.exit(7_000);
      assert.equal(exit.code, 0, fixture.stderr);
      assert.equal(fixture.report?.trigger, "SIGINT");
      assert.deepEqual(hooksRun(fixture), ["second", "first"]);
    });

    test("with handleErrors, an uncaught exception starts the shutdown and exits 1 after the hooks", async () => {
      const { fixture, port } = await start(runtime, { shutdown: { handleErrors: true } });
      const { RawClient } = await import("../support/raw_client.ts");
      const client = await RawClient.connect(port);
      assert.equal((await client.get("/crash")).body, "crashing soon");
      const exit = await fixture.exit(7_000);
      client.close();
      assert.equal(exit.code, 1, fixture.stderr);
      assert.equal(fixture.report?.trigger, "error");
      assert.deepEqual(hooksRun(fixture), ["second", "first"]);
    });

    test("a second signal ends the drain at once with 128 + n, skipping the hooks", async () => {
      const { fixture, port } = await start(runtime, { shutdown: { timeout: 20_000 } });
      const { RawClient } = await import("../support/raw_client.ts");
      const client = await RawClient.connect(port);
      void client.get("/hang").catch(() => {});
      await fixture.waitFor((e) => e.event === "handler" && e.path === "/hang", 5_000, "the handler");
      fixture.kill("SIGTERM");
      await fixture.waitForLog("draining:");
      const second = fixture.kill("SIGTERM");
      const exit = await fixture.exit(5_000);
      client.close();
      assert.equal(exit.code, 128 + 15, fixture.stderr);
      assert.ok(exit.at - second < 2_000, `exited ${exit.at - second} ms after the second signal`);
      assert.deepEqual(hooksRun(fixture), []);
    });
  });
}
