// Several shutdowns in one process act as one, and the app's own exit work runs ("no silent loss", cases c
// and h): serve() without `shutdown` joins the process's shutdown, signals are listened to once, the process
// ends when every shutdown has stopped, with the worst exit code, and its beforeExit and exit listeners run.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { RawClient } from "../support/raw_client.ts";
import { Fixture } from "../support/fixture.ts";
import { RUNTIMES } from "../support/runtimes.ts";

const started = new Set<Fixture>();
after(() => started.forEach((fixture) => fixture.dispose()));

for (const runtime of RUNTIMES) {
  describe(`one process on ${runtime.name}`, { timeout: 60_000 }, () => {
    for (const own of [false, true]) {
      const title = own
        ? "two shutdowns, one for a library's hook, one of serve()'s own"
        : "a library's shutdown, joined by serve()";
      test(`${title}: the request in flight completes, then the exit work runs`, async () => {
        const { fixture, port } = await Fixture.start(runtime, {
          fixture: "one_process.js",
          env: { GD_OWN: own ? "1" : "" },
        });
        started.add(fixture);
        const listening = fixture.events.find((e) => e.event === "listening");
        assert.equal(listening?.joined, !own, "serve() joins the process's shutdown unless given one");
        const client = await RawClient.connect(port);
        const response = client.get("/slow");
        await fixture.waitFor((e) => e.event === "handler" && e.path === "/slow", 5_000, "the slow handler");
        fixture.kill("SIGTERM");
        const answer = await response;
        client.close();
        assert.equal(answer.status, 200);
        assert.equal(answer.body, "ok");
        const { code } = await fixture.exit(10_000);
        assert.equal(code, 0);
        const events = fixture.events.map((e) => e.event);
        assert.ok(events.includes("hook"), "the library's hook ran");
        assert.ok(events.includes("beforeExit"), `the app's beforeExit listener ran: ${events.join(", ")}`);
        const exit = fixture.events.find((e) => e.event === "exit");
        assert.equal(exit?.code, 0, "the app's exit listener ran, with the exit code");
        const reports = fixture.events.filter((e) => e.event === "report");
        assert.deepEqual(reports.map((e) => (e.report as { exitCode: number }).exitCode), [0, 0]);
      });
    }
  });
}
