// node:http frameworks (Express 5, Koa, Fastify, a plain (req, res) listener) with their server handed to
// shutdown.attach(), on every runtime's node:http: the gate at the server's request event refuses from the
// drain on before the app runs, responses close their connection once the shutdown started, and nothing a
// client sent is lost ("no silent loss", case a).
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { RawClient } from "../support/raw_client.ts";
import { keepAliveLoad } from "../support/keep_alive_load.ts";
import { Fixture } from "../support/fixture.ts";
import { RUNTIMES } from "../support/runtimes.ts";

const started = new Set<Fixture>();
const clients = new Set<RawClient>();
after(() => {
  started.forEach((fixture) => fixture.dispose());
  clients.forEach((client) => client.close());
});

async function start(runtime: (typeof RUNTIMES)[number], framework: string) {
  const result = await Fixture.start(runtime, {
    fixture: "frameworks.js",
    shutdown: { timeout: 3_000 },
    env: { GD_FRAMEWORK: framework },
  });
  started.add(result.fixture);
  return result;
}

async function connect(port: number): Promise<RawClient> {
  const client = await RawClient.connect(port);
  clients.add(client);
  return client;
}

for (const runtime of RUNTIMES) {
  for (const framework of ["plain", "express", "koa", "fastify"]) {
    describe(`${framework} on ${runtime.name}'s node:http, attached`, { timeout: 60_000 }, () => {
      test("a request in flight at SIGTERM completes, with Connection: close; exit 0", async () => {
        const { fixture, port } = await start(runtime, framework);
        const client = await connect(port);
        const response = client.get("/work?ms=600");
        await fixture.waitFor((e) => e.event === "handler", 5_000, "the handler");
        fixture.kill("SIGTERM");
        const answer = await response;
        assert.equal(answer.status, 200);
        assert.equal(answer.body, "ok");
        assert.equal(answer.headers.connection, "close", "the response of a request in flight closes");
        const { code } = await fixture.exit(10_000);
        assert.equal(code, 0);
        assert.equal((fixture.report?.finished as { requests: number }).requests, 1);
      });

      test("keep-alive clients sending every 5 ms through SIGTERM lose nothing; refusals close", async () => {
        const { fixture, port } = await start(runtime, framework);
        const tally = await keepAliveLoad(port, {
          path: "/work",
          signal: () => fixture.kill("SIGTERM"),
          opened: clients,
          check(response) {
            if (response.status === 503) {
              assert.equal(response.headers.connection, "close", "a 503 refusal closes its connection");
              assert.ok(Number(response.headers["retry-after"]) >= 1, "a 503 refusal says when to retry");
            } else assert.equal(response.body, "ok");
          },
        });
        const { code } = await fixture.exit(10_000);
        // Requests the server received once its shutdown had started (its own clock: the signal takes a moment
        // to arrive) are all answered with Connection: close.
        const startedAt = fixture.events.find((e) =>
          e.event === "log" && String(e.message).startsWith("shutdown started")
        )?.at as number;
        const keptOpenAfterSignal = tally.keptOpen.filter((sentAt) => sentAt > startedAt).length;
        const { lost, lostOnNewConnection } = tally;
        assert.deepEqual({ lost, lostOnNewConnection, keptOpenAfterSignal }, {
          lost: 0,
          lostOnNewConnection: 0,
          keptOpenAfterSignal: 0,
        });
        // Every client was turned away before any work: a 503, or its new connection refused once the listener
        // closed.
        assert.equal(tally.refused + tally.connectionRefused, 4, JSON.stringify(tally));
        assert.equal(code, 0);
        const report = fixture.report as { cut: Record<string, number>; refused: number };
        assert.deepEqual(report.cut, { requests: 0, streams: 0, webSockets: 0, tasks: 0 });
        assert.equal(report.refused, tally.refused);
      });
    });
  }
}
