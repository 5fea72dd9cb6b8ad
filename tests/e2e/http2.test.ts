// HTTP/2 (over TLS, and cleartext h2c) with a real node:http2 client and curl, against serve() on Deno, Bun
// and Node (Node 22 runs dist/).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Fixture, type FixtureEvent } from "../support/fixture.ts";
import { RUNTIMES } from "../support/runtimes.ts";
import { H2Client, type H2Outcome, makeCert, type TestCert } from "./_h2.ts";
import { curl } from "./_curl.ts";

const started = new Set<Fixture>();
const clients = new Set<H2Client>();
let cert: TestCert;
before(() => void (cert = makeCert()));
after(() => {
  started.forEach((fixture) => fixture.dispose());
  clients.forEach((client) => client.close());
  cert?.remove();
});

const handled = (fixture: Fixture, path: string) =>
  fixture.events.filter((e: FixtureEvent) => e.event === "handler" && e.path === path).length;
const handlerStarted = (fixture: Fixture, path: string) =>
  fixture.waitFor((e) => e.event === "handler" && e.path === path, 5_000, `the ${path} handler`);
const CHUNKS = Array.from({ length: 8 }, (_, i) => `chunk ${i}\n`).join("");
/** RST_STREAM's code for a stream the server refused unprocessed (safe to retry). */
const REFUSED_STREAM = 7;

for (const runtime of RUNTIMES) {
  const node = runtime.name !== "deno" && runtime.name !== "bun";
  const bun = runtime.name === "bun";
  for (const transport of ["h2", "h2c"] as const) {
    describe(`HTTP/2 drain on ${runtime.name} (${transport})`, { timeout: 90_000 }, () => {
      const start = async (mode: "fetch" | "hono" = "fetch") => {
        const result = await Fixture.start(runtime, {
          mode,
          http2: true,
          ...(transport === "h2" ? { tls: cert.dir } : {}),
        });
        started.add(result.fixture);
        return result;
      };
      const connect = (port: number) => {
        const client = new H2Client(port, transport === "h2" ? cert.cert : undefined);
        clients.add(client);
        return client;
      };

      test("streams in flight at SIGTERM complete; the session gets GOAWAY; later streams are refused cleanly; nothing lost", async () => {
        const { fixture, port } = await start();
        const client = connect(port);
        const first = await client.get("/");
        assert.equal(first.status, 200);
        const slow = client.get("/slow?ms=800");
        const stream = client.get("/stream?n=8&interval=100");
        await handlerStarted(fixture, "/slow");
        await handlerStarted(fixture, "/stream");
        // Three clients sending on one session back to back, through the SIGTERM, until each is turned away.
        const outcomes: H2Outcome[] = [];
        let warmedUp!: () => void;
        const busy = new Promise<void>((resolve) => warmedUp = resolve);
        const loop = async () => {
          for (;;) {
            const outcome = await client.get("/");
            outcomes.push(outcome);
            if (outcomes.length === 30) warmedUp();
            if (outcome.status !== 200) return;
          }
        };
        const loops = Promise.all([loop(), loop(), loop()]);
        await busy;
        fixture.kill("SIGTERM");
        await loops;

        assert.deepEqual([(await slow).status, (await slow).body], [200, "slow done"]);
        assert.deepEqual([(await stream).status, (await stream).body], [200, CHUNKS]);
        const goaway = await client.goaway();
        assert.equal(goaway.code, 0); // NO_ERROR
        const late = await client.get("/after-goaway");
        assert.equal(late.status, undefined);
        assert.equal(late.error, "ERR_HTTP2_GOAWAY_SESSION"); // the client's own refusal: nothing was sent
        await client.closed;
        assert.equal((await fixture.exit(7_000)).code, 0, fixture.stderr);

        // Every stream was answered whole or refused before any handler ran; none was reset mid-way.
        for (const outcome of outcomes) {
          const refusedByServer = outcome.rstCode === REFUSED_STREAM;
          const refusedByClient = outcome.error === "ERR_HTTP2_GOAWAY_SESSION";
          const answered = (outcome.status === 200 && outcome.body === "ok") || outcome.status === 503;
          assert.ok(answered || refusedByServer || refusedByClient, JSON.stringify(outcome));
          if (refusedByServer) {
            assert.ok(outcome.id! > goaway.lastStreamID, JSON.stringify({ outcome, goaway }));
          }
        }
        const answered = outcomes.filter((o) => o.status === 200).length + 1;
        assert.equal(handled(fixture, "/"), answered, "every handled request was answered");
        assert.equal(handled(fixture, "/after-goaway"), 0);
        assert.equal(fixture.report?.refused, outcomes.filter((o) => o.status === 503).length);
        for (const outcome of [first, await slow, await stream, ...outcomes]) {
          assert.equal(outcome.headers?.connection, undefined, "no Connection header on HTTP/2");
        }
        if (node) {
          // Node's drainer sends GOAWAY when the drain starts, naming the last stream it processed: the
          // in-flight ones are at or below it; the loops end on it, not on the gate's 503.
          assert.ok(goaway.lastStreamID >= (await stream).id!, JSON.stringify(goaway));
          assert.equal(outcomes.filter((o) => o.status === 503).length, 0);
        } else {
          // Deno and Bun send their GOAWAY when shutdown()/stop() is called, once nothing is in flight: until
          // then the gate's 503 turns each loop away.
          assert.equal(outcomes.filter((o) => o.status === 503).length, 3);
          if (bun) {
            // Bun's stop() sends one GOAWAY, the final one, naming the last stream it processed (the last 503):
            // any stream sent later is above it, so the client knows it was not processed.
            const processed = [first, await slow, await stream, ...outcomes].filter((o) =>
              o.status !== undefined
            );
            assert.equal(
              goaway.lastStreamID,
              Math.max(...processed.map((o) => o.id!)),
              JSON.stringify(goaway),
            );
            assert.equal(client.goaways.length, 1, JSON.stringify(client.goaways));
          } else {
            // Deno: the graceful pair of GOAWAYs (2^31-1, then the last stream).
            assert.equal(goaway.lastStreamID, 2 ** 31 - 1);
          }
        }
      });

      test("a connection opened during the drain gets the 503, without a Connection header, then GOAWAY", async () => {
        const { fixture, port } = await start("hono");
        const busy = connect(port);
        const slow = busy.get("/slow?ms=1000");
        await handlerStarted(fixture, "/slow");
        fixture.kill("SIGTERM");
        await fixture.waitForLog("draining:");
        const late = connect(port);
        const refused = await late.get("/");
        assert.equal(refused.status, 503);
        assert.ok(Number(refused.headers?.["retry-after"]) >= 1);
        assert.equal(refused.headers?.connection, undefined);
        const goaway = await late.goaway();
        assert.equal(goaway.code, 0);
        if (node) assert.equal(goaway.lastStreamID, refused.id); // the one stream it processed: the 503
        assert.equal((await slow).body, "slow done");
        assert.equal((await fixture.exit(7_000)).code, 0, fixture.stderr);
        assert.equal(handled(fixture, "/"), 0);
      });

      test("a streamed body still being sent at the deadline is cut and reported: exit 1", async () => {
        const result = await Fixture.start(runtime, {
          http2: true,
          ...(transport === "h2" ? { tls: cert.dir } : {}),
          shutdown: { timeout: 1_500, cleanupTimeout: 500 },
        });
        const { fixture, port } = result;
        started.add(fixture);
        const client = connect(port);
        const pending = client.get("/stream?n=40&interval=100");
        await handlerStarted(fixture, "/stream");
        fixture.kill("SIGTERM");
        const exit = await fixture.exit(5_000);
        const outcome = await pending;
        assert.ok(outcome.body.split("\n").length < 40, "the client did not get the whole body");
        assert.ok(outcome.error !== undefined || (outcome.rstCode ?? 0) !== 0, JSON.stringify(outcome));
        assert.equal(exit.code, 1, "something was cut");
        const report = fixture.report as { cut: { requests: number; streams: number } };
        assert.equal(report.cut.requests + report.cut.streams, 1, JSON.stringify(report));
      });

      test("curl --http2: a request in flight at SIGTERM completes over HTTP/2; one sent during the drain gets the 503", async () => {
        const { fixture, port } = await start();
        const url = `${transport === "h2" ? "https" : "http"}://127.0.0.1:${port}`;
        const ca = transport === "h2" ? `${cert.dir}/cert.pem` : undefined;
        // On Bun a request is in flight only while its handler runs (no "response sent" signal there): a
        // streamed body does not hold the drain, whose end closes the listener, so a handler that is still
        // running keeps it open for the request sent during the drain.
        const [path, body] = bun ? ["/slow?ms=800", "slow done"] : ["/stream?n=8&interval=100", CHUNKS];
        const inFlight = curl(`${url}${path}`, { ca, http2: transport });
        await handlerStarted(fixture, path.split("?")[0]);
        fixture.kill("SIGTERM");
        await fixture.waitForLog("draining:");
        const refused = await curl(`${url}/`, { ca, http2: transport });
        const done = await inFlight;
        assert.deepEqual(
          [done.code, done.version, done.status, done.body],
          [0, "2", 200, body],
          done.stderr,
        );
        assert.deepEqual([refused.code, refused.version, refused.status], [0, "2", 503], refused.stderr);
        for (const response of [done, refused]) assert.equal(response.headers.connection, undefined);
        assert.equal((await fixture.exit(7_000)).code, 0, fixture.stderr);
      });
    });
  }
}
