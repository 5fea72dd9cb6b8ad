import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { NoAnswer, RawClient, type RawResponse } from "../support/raw_client.ts";
import { Fixture } from "../support/fixture.ts";
import { RUNTIMES } from "../support/runtimes.ts";

const started = new Set<Fixture>();
const clients = new Set<RawClient>();
after(() => {
  started.forEach((fixture) => fixture.dispose());
  clients.forEach((client) => client.close());
});

async function start(...args: Parameters<typeof Fixture.start>) {
  const result = await Fixture.start(...args);
  started.add(result.fixture);
  return result;
}
async function connect(port: number): Promise<RawClient> {
  const client = await RawClient.connect(port);
  clients.add(client);
  return client;
}
const handlerStarted = (fixture: Fixture, path: string) =>
  fixture.waitFor((e) => e.event === "handler" && e.path === path, 5_000, `the ${path} handler`);

for (const runtime of RUNTIMES) {
  for (const mode of ["fetch", "hono"] as const) {
    describe(`HTTP drain on ${runtime.name} (${mode})`, { timeout: 90_000 }, () => {
      test("a request in flight at SIGTERM completes with its full body; exit 0", async () => {
        const { fixture, port } = await start(runtime, { mode });
        const client = await connect(port);
        const pending = client.get("/slow?ms=400");
        await handlerStarted(fixture, "/slow");
        fixture.kill("SIGTERM");
        const response = await pending;
        assert.equal(response.status, 200);
        assert.equal(response.body, "slow done");
        assert.equal(response.headers.connection, "close");
        assert.equal((await fixture.exit(7_000)).code, 0, fixture.stderr);
      });

      test("a request on a reused keep-alive connection during the drain gets the 503 refusal, never silence", async () => {
        const { fixture, port } = await start(runtime, { mode });
        const idle = await connect(port);
        assert.equal((await idle.get("/")).status, 200);
        const busy = await connect(port);
        const slow = busy.get("/slow?ms=1500");
        await handlerStarted(fixture, "/slow");
        fixture.kill("SIGTERM");
        await fixture.waitForLog("draining:");
        const refused = await idle.get("/");
        assert.equal(refused.status, 503);
        assert.equal(refused.headers.connection, "close");
        assert.ok(Number(refused.headers["retry-after"]) >= 1);
        await idle.closed; // the server closes it after a Connection: close response
        assert.equal((await slow).body, "slow done");
        const exit = await fixture.exit(7_000);
        assert.equal(exit.code, 0, fixture.stderr);
        assert.equal(fixture.report?.refused, 1);
      });

      test("a streamed response in flight at SIGTERM arrives whole before the process exits", async () => {
        const { fixture, port } = await start(runtime, { mode });
        const client = await connect(port);
        const pending = client.get("/stream?n=10&interval=100");
        await handlerStarted(fixture, "/stream");
        fixture.kill("SIGTERM");
        const response = await pending;
        assert.equal(response.body, Array.from({ length: 10 }, (_, i) => `chunk ${i}\n`).join(""));
        assert.equal((await fixture.exit(7_000)).code, 0, fixture.stderr);
      });

      test("a handler that ignores the shutdown is cut at the deadline: exit 1, the report names it", async () => {
        const timeout = 1_500;
        const drainTime = 1_000; // timeout - cleanupTimeout: the fixture has cleanup hooks
        const { fixture, port } = await start(runtime, { mode, shutdown: { timeout, cleanupTimeout: 500 } });
        const client = await connect(port);
        void client.get("/hang").catch(() => {});
        await handlerStarted(fixture, "/hang");
        const sent = fixture.kill("SIGTERM");
        // Once the drain is over the port is closed, also when the drain was cut short: Deno's listener
        // answered 503s until the process exited, up to cleanupTimeout later.
        await fixture.waitFor((line) => line.event === "report", timeout + 3_000, "the report");
        await assert.rejects(fetch(`http://127.0.0.1:${port}/`), "nothing listens once the report is out");
        const exit = await fixture.exit(timeout + 3_000);
        const took = exit.at - sent;
        assert.equal(exit.code, 1, fixture.stderr);
        assert.ok(took >= drainTime - 100 && took < timeout + 1_500, `exited after ${took} ms`);
        const cut = fixture.report?.cutItems as Array<{ kind: string; label: string; age: number }>;
        assert.equal(cut.length, 1, JSON.stringify(cut));
        assert.equal(cut[0].label, "GET /hang");
        assert.ok(cut[0].age >= drainTime - 200, `age ${cut[0].age}`);
        // Deno cannot force-close the cut request's connection, which holds its loop to the deadline: that is
        // not the app holding a timer or a pool, and the log must not say it is.
        const blamed = fixture.events.filter((e) =>
          e.event === "log" && /did not empty/.test(String(e.message))
        );
        assert.deepEqual(blamed, []);
      });

      test("work handed the request's signal, outliving its response, is told at SIGTERM: exit 0, nothing cut", async () => {
        const { fixture, port } = await start(runtime, { mode, shutdown: { timeout: 5_000 } });
        const client = await connect(port);
        assert.equal((await client.get("/job")).body, "accepted");
        fixture.kill("SIGTERM");
        const exit = await fixture.exit(7_000);
        assert.equal(exit.code, 0, fixture.stderr);
        assert.ok(fixture.events.some((e) => e.event === "job" && e.told === true), "the job was told");
        assert.deepEqual(fixture.report?.cut, { requests: 0, streams: 0, webSockets: 0, tasks: 0 });
      });

      test("a cut task with the app's own timer still running: exit 1 at the deadline, and the log says why", async () => {
        const timeout = 1_500;
        const { fixture, port } = await start(runtime, { mode, shutdown: { timeout, cleanupTimeout: 500 } });
        const client = await connect(port);
        assert.equal((await client.get("/held")).body, "held");
        fixture.kill("SIGTERM");
        const exit = await fixture.exit(timeout + 3_000);
        assert.equal(exit.code, 1, fixture.stderr);
        assert.deepEqual(fixture.report?.cut, { requests: 0, streams: 0, webSockets: 0, tasks: 1 });
        // A cut task holds no socket: the loop that did not empty is the app's, and the warning names it.
        const blamed = fixture.events.filter((e) =>
          e.event === "log" && /did not empty/.test(String(e.message))
        );
        assert.equal(blamed.length, 1, JSON.stringify(fixture.events.filter((e) => e.event === "log")));
      });

      test("a cut request with the app's own timer running: the warning, except on Deno (the cut connection)", async () => {
        const timeout = 1_500;
        const { fixture, port } = await start(runtime, { mode, shutdown: { timeout, cleanupTimeout: 500 } });
        const client = await connect(port);
        assert.equal((await client.get("/held")).body, "held"); // its interval, and a task that never ends
        const hung = await connect(port);
        void hung.get("/hang").catch(() => {});
        await handlerStarted(fixture, "/hang");
        fixture.kill("SIGTERM");
        assert.equal((await fixture.exit(timeout + 3_000)).code, 1, fixture.stderr);
        const blamed = fixture.events.filter((e) =>
          e.event === "log" && /did not empty/.test(String(e.message))
        );
        // Node and Bun destroy the connection they cut: what holds the loop is the app's interval. Deno cannot,
        // and its cut connection may be what holds the loop.
        assert.equal(blamed.length, runtime.name === "deno" ? 0 : 1);
      });

      test("a streamed body still being sent at the deadline is reported cut: exit 1", async () => {
        // "No silent loss", case d: Bun has no completion signal, and its report used to say "cut nothing".
        const { fixture, port } = await start(runtime, {
          mode,
          shutdown: { timeout: 1_500, cleanupTimeout: 500 },
        });
        const client = await connect(port);
        const response = client.get("/stream?n=40&interval=100").catch((error) => error);
        await handlerStarted(fixture, "/stream");
        fixture.kill("SIGTERM");
        const exit = await fixture.exit(5_000);
        assert.ok((await response) instanceof NoAnswer, "the client did not get the whole body");
        assert.equal(exit.code, 1, "something was cut");
        const report = fixture.report as { cut: { requests: number; streams: number } };
        assert.equal(report.cut.requests + report.cut.streams, 1, JSON.stringify(report));
      });

      test("a handler that listens to the shutdown signal wraps up and answers at once", async () => {
        const { fixture, port } = await start(runtime, { mode, shutdown: { timeout: 10_000 } });
        const client = await connect(port);
        const pending = client.get("/wrapup");
        await handlerStarted(fixture, "/wrapup");
        const sent = fixture.kill("SIGTERM");
        const response = await pending;
        assert.equal(response.body, "wrapped up");
        const exit = await fixture.exit(5_000);
        assert.equal(exit.code, 0, fixture.stderr);
        assert.ok(exit.at - sent < 5_000, `exited ${exit.at - sent} ms after SIGTERM of a 10 s timeout`);
      });

      test("with a delay, readiness answers 503 while requests are still served and liveness stays 200", async () => {
        const { fixture, port } = await start(runtime, { mode, shutdown: { delay: 1_500, timeout: 5_000 } });
        const client = await connect(port);
        assert.equal((await client.get("/ready")).status, 200);
        fixture.kill("SIGTERM");
        await fixture.waitForLog("unready:");
        // Probes too close their connection once the shutdown started ("no silent loss", item 5).
        const ready = await (await connect(port)).get("/ready");
        assert.equal(ready.status, 503);
        assert.equal(ready.headers.connection, "close");
        const live = await (await connect(port)).get("/live");
        assert.equal(live.status, 200);
        assert.equal(live.headers.connection, "close");
        const served = await client.get("/");
        assert.equal(served.status, 200);
        assert.equal(served.body, "ok");
        assert.equal(served.headers.connection, "close");
        assert.equal((await fixture.exit(7_000)).code, 0, fixture.stderr);
      });

      test("during the drain the probes still answer: liveness 200, readiness 503, never the gate's refusal", async () => {
        const { fixture, port } = await start(runtime, { mode, shutdown: { timeout: 5_000 } });
        const client = await connect(port);
        const slow = client.get("/slow?ms=1500");
        await handlerStarted(fixture, "/slow");
        fixture.kill("SIGTERM");
        await fixture.waitForLog("draining:");
        const live = await (await connect(port)).get("/live");
        assert.equal(live.status, 200, live.body);
        assert.match(live.body, /"alive"/);
        const ready = await (await connect(port)).get("/ready");
        assert.equal(ready.status, 503);
        assert.match(ready.body, /"unready"/, "the readiness probe's own answer, not the gate's 503");
        assert.equal((await slow).status, 200);
        assert.equal((await fixture.exit(7_000)).code, 0, fixture.stderr);
      });

      test("under load from 32 keep-alive clients a SIGTERM loses nothing", async () => {
        const { fixture, port } = await start(runtime, { mode, shutdown: { timeout: 5_000 } });
        const tally = { ok: 0, refused: 0, lost: 0, lostOnFreshConnection: 0, refusedConnections: 0 };
        let stop = false;
        let warmedUp!: () => void;
        const warm = new Promise<void>((resolve) => (warmedUp = resolve));
        const worker = async () => {
          let client: RawClient | undefined;
          let fresh = true;
          for (let i = 0; i < 5_000 && !stop; i++) {
            try {
              if (!client) {
                client = await connect(port);
                fresh = true;
              }
            } catch {
              tally.refusedConnections++; // the listener is closed: nothing was sent, nothing lost
              return;
            }
            let response: RawResponse;
            try {
              response = await client.get("/");
            } catch (error) {
              if (!(error instanceof NoAnswer)) throw error;
              tally.lost++;
              if (fresh) tally.lostOnFreshConnection++;
              return;
            }
            if (response.status === 503) {
              tally.refused++;
              return; // told to go away: a load balancer would send it elsewhere now
            }
            assert.equal(response.body, "ok");
            fresh = false;
            if (++tally.ok === 300) warmedUp();
            if (response.headers.connection === "close") {
              await client.closed;
              client = undefined; // reconnect, as a client does after Connection: close
            }
          }
        };
        const workers = Array.from({ length: 32 }, worker);
        await warm;
        fixture.kill("SIGTERM");
        const exit = await fixture.exit(10_000);
        stop = true;
        await Promise.all(workers);
        assert.equal(exit.code, 0, fixture.stderr);
        assert.equal(tally.lost, 0, `lost ${tally.lost}: ${JSON.stringify(tally)}`);
        assert.ok(tally.ok >= 300);
      });

      test("idle at SIGTERM, the process exits promptly", async () => {
        const { fixture } = await start(runtime, { mode, shutdown: { timeout: 8_000 } });
        const sent = fixture.kill("SIGTERM");
        const exit = await fixture.exit(8_000);
        assert.equal(exit.code, 0, fixture.stderr);
        assert.ok(exit.at - sent < 1_000, `exited ${exit.at - sent} ms after SIGTERM`);
      });
    });
  }
}
