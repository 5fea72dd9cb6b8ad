import { after, test } from "node:test";
import assert from "node:assert/strict";
import { type ClientHttp2Session, connect, createServer, type Http2Server } from "node:http2";
import { serve as nodeServe } from "@hono/node-server";
import { Hono } from "hono";
import { createShutdown, serve } from "../mod.ts";
import { graceful, type GracefulEnv } from "../src/hono/mod.ts";
import { connect as netConnect, type Socket } from "node:net";
import { within } from "./_helpers.ts";

const servers = new Set<Http2Server>();
const sessions = new Set<ClientHttp2Session>();
const sockets = new Set<Socket>();
after(() => {
  sessions.forEach((session) => session.destroy());
  sockets.forEach((socket) => socket.destroy());
  servers.forEach((server) => server.close());
});

/**
 * A cleartext HTTP/2 server through @hono/node-server's `createServer` option, listening on a free port. It
 * must not replace the global Response: Deno.serve (in a later test) accepts only its own.
 */
async function listen(fetch: (request: Request, env: unknown) => Response | Promise<Response>) {
  const server = nodeServe({
    fetch,
    port: 0,
    hostname: "127.0.0.1",
    createServer,
    overrideGlobalObjects: false,
  }) as Http2Server;
  servers.add(server);
  if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

function client(port: number) {
  const session = connect(`http://127.0.0.1:${port}`);
  session.on("error", () => {});
  sessions.add(session);
  const goaway = new Promise<number>((resolve) => session.once("goaway", (_code, last) => resolve(last)));
  /** Resolves when the stream closes, with what arrived (no status: no response) and its RST_STREAM code. */
  const get = (path: string) =>
    new Promise<
      { status: number; headers: Record<string, unknown>; body: string; id: number; rstCode: number }
    >(
      (resolve, reject) => {
        const stream = session.request({ ":path": path });
        let headers: Record<string, unknown> = {};
        let body = "";
        stream.setEncoding("utf8");
        stream.on("response", (h) => void (headers = { ...h }));
        stream.on("data", (chunk: string) => void (body += chunk));
        stream.on("error", reject);
        stream.on("close", () => {
          const status = Number(headers[":status"]);
          resolve({ status, headers, body, id: stream.id!, rstCode: stream.rstCode! });
        });
        stream.end();
      },
    );
  return { session, goaway, get };
}

test("attach() a node:http2 server: GOAWAY names the stream in flight, which completes; the server closes", async () => {
  const shutdown = createShutdown({ signals: false, logger: false, timeout: 5_000 });
  const release = Promise.withResolvers<void>();
  const started = Promise.withResolvers<void>();
  const { server, port } = await listen(shutdown.wrap(async () => {
    started.resolve();
    await release.promise;
    return new Response("done");
  }));
  shutdown.attach(server);
  const { goaway, get } = client(port);
  const pending = get("/");
  await started.promise;
  const done = shutdown.trigger("test");
  const lastStreamID = await within(goaway, 5_000, "the GOAWAY");
  release.resolve();
  const response = await within(pending, 5_000, "the response");
  assert.deepEqual([response.status, response.body, lastStreamID], [200, "done", response.id]);
  assert.equal(response.headers.connection, undefined);
  const report = await within(done, 5_000, "the shutdown");
  assert.deepEqual([report.exitCode, report.finished.requests, report.forced], [0, 1, false]);
  assert.equal(server.listening, false);
});

test("graceful() on HTTP/2 sets no Connection header, unready or refusing, and Node warns about none", async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on("warning", onWarning);
  try {
    const shutdown = createShutdown({ signals: false, logger: false, timeout: 5_000, delay: 300 });
    const app = new Hono<GracefulEnv>();
    app.use(graceful(shutdown));
    app.get("/", (c) => c.text("ok"));
    const { server, port } = await listen(app.fetch);
    shutdown.attach(server);
    const { get } = client(port);
    void shutdown.trigger("test");
    const unready = await get("/"); // served during the delay: on HTTP/1.1 this one gets Connection: close
    assert.deepEqual([unready.status, unready.headers.connection], [200, undefined]);
    // Skip the delay: the drain's refusal is what is under test next.
    const draining = new Promise<void>((resolve) => {
      const poll = () => (shutdown.phase === "draining" ? resolve() : setTimeout(poll, 10));
      poll();
    });
    await within(draining, 5_000, "the drain");
    const refused = await within(client(port).get("/"), 5_000, "the refusal");
    assert.deepEqual([refused.status, refused.headers.connection], [503, undefined]);
    assert.equal(refused.headers["retry-after"], "1");
    await within(shutdown.done, 5_000, "the shutdown");
    assert.deepEqual(warnings.filter((w) => /connection/i.test(w)), []);
  } finally {
    process.off("warning", onWarning);
  }
});

test('serve() rejects an "http2" that is not a boolean, naming it', async () => {
  const shutdown = createShutdown({ signals: false, logger: false });
  await assert.rejects(
    serve(() => new Response("x"), { port: 0, shutdown, http2: "yes" as never, onListen: () => {} }),
    { name: "TypeError", message: 'Cannot serve: "http2" must be a boolean, received "yes"' },
  );
});

test("serve({ http2: true }) without tls: cleartext HTTP/2 (h2c, prior knowledge) on every runtime", async () => {
  const shutdown = createShutdown({ signals: false, logger: false, timeout: 5_000 });
  const options = { port: 0, hostname: "127.0.0.1", shutdown, http2: true, onListen: () => {} };
  const served = await serve(() => new Response("over h2"), options);
  const response = await within(client(served.port).get("/"), 5_000, "the response");
  assert.deepEqual([response.status, response.body], [200, "over h2"]);
  const report = await within(shutdown.trigger("test"), 5_000, "the shutdown");
  assert.equal(report.exitCode, 0);
  await within(served.finished, 5_000, "the server to close");
});

test("a client that keeps its half of a closed session open does not hold the drain until the deadline", async () => {
  const shutdown = createShutdown({ signals: false, logger: false, timeout: 5_000 });
  const { server, port } = await listen(() => new Response("ok"));
  shutdown.attach(server);
  const socket = netConnect({ port, host: "127.0.0.1", allowHalfOpen: true });
  sockets.add(socket);
  await new Promise((resolve) => socket.once("connect", resolve));
  const received = new Promise((resolve) => socket.once("data", resolve));
  // The client preface and an empty SETTINGS frame, then nothing: it never closes its side.
  socket.write(
    Buffer.concat([
      Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
      Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]),
    ]),
  );
  await within(received, 5_000, "the server's SETTINGS");
  const ended = new Promise((resolve) => socket.once("end", resolve));
  const report = await within(shutdown.trigger("test"), 5_000, "the shutdown");
  await within(ended, 1_000, "the server's FIN"); // the GOAWAY went out with it
  assert.deepEqual([report.forced, report.exitCode], [false, 0]);
});

test("at the deadline a session still running a stream is destroyed: no response, the report says forced", async () => {
  const shutdown = createShutdown({ signals: false, logger: false, timeout: 300 });
  const started = Promise.withResolvers<void>();
  const { server, port } = await listen(shutdown.wrap(() => {
    started.resolve();
    return new Promise<Response>(() => {}); // never answers
  }));
  shutdown.attach(server);
  const { session, goaway, get } = client(port);
  const pending = get("/hang").then(({ status, body }) => ({ status, body }), (error) => error.code);
  await started.promise;
  const report = await within(shutdown.trigger("test"), 5_000, "the shutdown");
  await within(goaway, 1_000, "the GOAWAY at the drain's start");
  // No response and no error: the client's stream just closes with its session (RST code 8, CANCEL, on Node
  // 24's client; 0 on Deno's and Bun's).
  assert.deepEqual(await within(pending, 5_000, "the stream to end"), { status: NaN, body: "" });
  await within(
    new Promise((resolve) => session.closed ? resolve(null) : session.once("close", resolve)),
    5_000,
    "the session to close",
  );
  assert.deepEqual([report.forced, report.exitCode, report.cut.requests], [true, 1, 1]);
});
