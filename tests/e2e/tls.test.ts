// HTTPS with HTTP/1.1 (a raw keep-alive client over TLS offering only http/1.1 by ALPN) on every runtime:
// serve() with `tls`, and with `tls` + `http2` (Node: node:http2 with allowHTTP1; Deno: the same server;
// Bun: Bun.serve with `http2`, which offers both by ALPN). HTTP/2 itself is in http2.test.ts.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { RawClient } from "../support/raw_client.ts";
import { Fixture } from "../support/fixture.ts";
import { RUNTIMES } from "../support/runtimes.ts";
import { makeCert, type TestCert } from "./_h2.ts";
import { curl } from "./_curl.ts";

const started = new Set<Fixture>();
const clients = new Set<RawClient>();
let cert: TestCert;
before(() => void (cert = makeCert()));
after(() => {
  started.forEach((fixture) => fixture.dispose());
  clients.forEach((client) => client.close());
  cert?.remove();
});

const handlerStarted = (fixture: Fixture, path: string) =>
  fixture.waitFor((e) => e.event === "handler" && e.path === path, 5_000, `the ${path} handler`);

for (const runtime of RUNTIMES) {
  for (const http2 of [false, true]) {
    describe(
      `HTTPS/1.1 drain on ${runtime.name}${http2 ? " (http2 server)" : ""}`,
      { timeout: 60_000 },
      () => {
        test("in flight at SIGTERM: full body and Connection: close; a keep-alive request in the drain: the 503", async () => {
          const { fixture, port } = await Fixture.start(runtime, { tls: cert.dir, http2 });
          started.add(fixture);
          const connect = async () => {
            const client = await RawClient.connect(port, "127.0.0.1", { ca: cert.cert });
            clients.add(client);
            return client;
          };
          const idle = await connect();
          const first = await idle.get("/");
          assert.equal(first.status, 200);
          assert.notEqual(first.headers.connection, "close");
          const busy = await connect();
          const slow = busy.get("/slow?ms=1500");
          await handlerStarted(fixture, "/slow");
          fixture.kill("SIGTERM");
          await fixture.waitForLog("draining:");
          const refused = await idle.get("/");
          assert.equal(refused.status, 503);
          assert.equal(refused.headers.connection, "close");
          assert.ok(Number(refused.headers["retry-after"]) >= 1);
          await idle.closed;
          const done = await slow;
          assert.deepEqual([done.status, done.body, done.headers.connection], [200, "slow done", "close"]);
          assert.equal((await fixture.exit(7_000)).code, 0, fixture.stderr);
          assert.equal(fixture.report?.refused, 1);
        });

        if (http2) {
          test("curl --http2 negotiates what the runtime offers", async () => {
            const { fixture, port } = await Fixture.start(runtime, { tls: cert.dir, http2 });
            started.add(fixture);
            const response = await curl(`https://127.0.0.1:${port}/`, {
              ca: `${cert.dir}/cert.pem`,
              http2: "h2",
            });
            assert.equal(response.version, "2", response.stderr);
            assert.deepEqual([response.code, response.status, response.body], [0, 200, "ok"]);
            fixture.kill("SIGTERM");
            assert.equal((await fixture.exit(7_000)).code, 0, fixture.stderr);
          });
        }
      },
    );
  }
}
