// The node:http drainer's ending of connections answered in the drain, on Node's own server (Deno and Bun
// serve through their native servers, which close their connections themselves).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import type { Server } from "node:http";
import { createShutdown, detectRuntime, serve, type Served } from "../mod.ts";
import { until, within } from "./_helpers.ts";
import { selfReleasingResponse } from "../src/runtimes/node/_request_gate.ts";

const skip = detectRuntime() !== "node" && "serve() uses node:http on Node only";
const sockets = new Set<Socket>();
after(() => {
  for (const socket of sockets) socket.destroy();
});

/** serve() with a handler that answers once `release` resolves; `started` resolves when it is called. */
async function slowServer() {
  const shutdown = createShutdown({ signals: false, logger: false, timeout: 5_000 });
  const started = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  const served = await serve(async () => {
    started.resolve();
    await release.promise;
    return new Response("done");
  }, { port: 0, hostname: "127.0.0.1", shutdown, onListen: () => {} });
  const serverSockets: Socket[] = []; // the server's side of each connection, for what it has read
  (served.server as Server).on("connection", (socket: Socket) => serverSockets.push(socket));
  return { shutdown, served, started, release, serverSockets };
}

/** A raw client: what it received, and whether the server's FIN came. */
async function client(port: number, allowHalfOpen: boolean) {
  const socket = connect({ port, host: "127.0.0.1", allowHalfOpen });
  sockets.add(socket);
  await new Promise((resolve) => socket.once("connect", resolve));
  let received = "";
  socket.setEncoding("latin1").on("data", (chunk: string) => void (received += chunk));
  const ended = new Promise((resolve) => socket.once("end", resolve));
  return { socket, ended, received: () => received };
}

const openConnections = (served: Served) =>
  new Promise<number>((resolve, reject) =>
    (served.server as Server).getConnections((error, count) => (error ? reject(error) : resolve(count)))
  );

test(
  "a client answered in full that keeps its half open does not hold the shutdown: its socket is left to the kernel",
  {
    skip,
  },
  async () => {
    const { shutdown, served, started, release } = await slowServer();
    const { socket, ended, received } = await client(served.port, true);
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await within(started.promise, 5_000, "the handler");
    const done = shutdown.trigger("test");
    release.resolve();
    const report = await within(done, 5_000, "the shutdown");
    // Released, not waited for: had the drain waited for this client's FIN (it never comes), the linger would
    // have destroyed the socket first, leaving no connection when the report came.
    assert.equal(await openConnections(served), 1);
    await within(ended, 5_000, "the server's FIN");
    assert.match(received(), /^HTTP\/1\.1 200 [^]*\r\nconnection: close\r\n[^]*\r\n\r\ndone$/i);
    assert.deepEqual([report.exitCode, report.forced, report.finished.requests], [0, false, 1]);
  },
);

test("a client with a pipelined request behind the one answered is read until its FIN, and waited for", {
  skip,
}, async () => {
  const { shutdown, served, started, release, serverSockets } = await slowServer();
  const { socket, ended, received } = await client(served.port, false);
  const request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  socket.write(request);
  await within(started.promise, 5_000, "the handler");
  // A pipelined request: bytes that a close without reading could turn into a reset losing the response.
  socket.write(request);
  await until(() => serverSockets[0]?.bytesRead === 2 * request.length, 5_000, "the pipelined request");
  let finRead = false;
  serverSockets[0].once("end", () => (finRead = true));
  const done = shutdown.trigger("test");
  release.resolve();
  const report = await within(done, 5_000, "the shutdown");
  // Read to the client's FIN: left unread, the socket would have closed only when the linger destroyed it.
  assert.equal(finRead, true);
  assert.equal(await openConnections(served), 0);
  await within(ended, 5_000, "the server's FIN");
  // Both answered: the response being written when the drain began kept the connection open for the one
  // pipelined behind it (closing after it, Node would have dropped that one).
  assert.match(received(), /^HTTP\/1\.1 200 [^]*\r\n\r\ndoneHTTP\/1\.1 200 [^]*\r\n\r\ndone$/i);
  assert.deepEqual([report.exitCode, report.forced], [0, false]);
});

// On every runtime's node:http: a response that waits for the socket (a pipelined request's; on Deno also
// many keep-alive requests', the previous response's "finish" coming after them) is followed through the
// socket's close only until it gets the socket. A listener left there held each such request until the
// connection closed: Express on Deno lost half its throughput to garbage collection.
test("a response that waited for its socket leaves no listener on it once answered", async () => {
  const shutdown = createShutdown({ signals: false, logger: false, timeout: 5_000 });
  const { createServer } = await import("node:http");
  // Answered a turn later, so that the requests behind each one are parsed while it is still being answered.
  const server = createServer((_req, res) => void setTimeout(() => res.end("ok"), 1));
  shutdown.attach(server);
  let serverSocket: Socket | undefined;
  server.on("connection", (socket: Socket) => (serverSocket = socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  after(() => void server.close());
  const { socket, received } = await client((server.address() as { port: number }).port, false);
  const answered = () => received().split("\r\n\r\nok").length - 1;
  const request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  socket.write(request);
  await until(() => answered() === 1, 5_000, "the first response");
  const listeners = serverSocket!.listenerCount("close");
  socket.write(request.repeat(20));
  await until(() => answered() === 21, 5_000, "the pipelined responses");
  assert.equal(shutdown.inFlight.requests, 0);
  assert.equal(serverSocket!.listenerCount("close"), listeners, "close listeners left on the socket");
  const report = await within(shutdown.trigger("test"), 5_000, "the shutdown");
  assert.deepEqual([report.exitCode, report.forced], [0, false]);
});

// The same through `wrap()` on `@hono/node-server` with no server attached (no request gate), where the
// fetch-level gate follows the response through the bindings the adapter passes. Without replacing the
// global Request and Response (its default): Bun.serve() in the tests after this one would reject them.
test("a wrapped handler's response that waited for its socket leaves no listener on it once answered", async () => {
  const shutdown = createShutdown({ signals: false, logger: false, timeout: 5_000 });
  const { createAdaptorServer } = await import("@hono/node-server");
  // The first pipelined request is slow: the responses behind it are ready before it is sent.
  const handler = (request: Request) =>
    request.url.endsWith("?slow")
      ? new Promise<Response>((resolve) => setTimeout(() => resolve(new Response("ok")), 50))
      : new Response("ok");
  const server = createAdaptorServer({
    fetch: shutdown.wrap(handler),
    overrideGlobalObjects: false,
  }) as Server;
  let serverSocket: Socket | undefined;
  server.on("connection", (socket: Socket) => (serverSocket = socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  after(() => void server.close());
  const { socket, received } = await client((server.address() as { port: number }).port, false);
  const answered = () => received().split("HTTP/1.1 200").length - 1; // Bun's node:http sends it chunked
  const request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  socket.write(request);
  await until(() => answered() === 1, 5_000, "the first response");
  const listeners = serverSocket!.listenerCount("close");
  socket.write(request.replace("/", "/?slow") + request.repeat(20));
  await until(() => answered() === 22, 5_000, "the pipelined responses");
  await until(
    () => shutdown.inFlight.requests + shutdown.inFlight.streams === 0,
    5_000,
    "the responses' ends",
  );
  assert.equal(serverSocket!.listenerCount("close"), listeners, "close listeners left on the socket");
});

// serve() makes its node:http responses of a class that ends their request's entry itself at "close" (no
// listener per request): the app's own ServerResponse class stays their base, and a client that goes away
// mid-body ends its request as a listener would have.
test(
  "serve() on Node: responses keep the app's ServerResponse class and end their requests, also cut short",
  {
    skip,
  },
  async () => {
    const { ServerResponse } = await import("node:http");
    class AppResponse extends ServerResponse {}
    const shutdown = createShutdown({ signals: false, logger: false, timeout: 5_000 });
    const endless = new ReadableStream({ pull: (controller) => controller.enqueue(new Uint8Array(1024)) });
    const served = await serve((request: Request, bindings?: unknown) => {
      if (request.url.endsWith("/endless")) return new Response(endless);
      const { outgoing } = bindings as { outgoing: unknown };
      return new Response(String(outgoing instanceof AppResponse));
    }, {
      port: 0,
      hostname: "127.0.0.1",
      shutdown,
      onListen: () => {},
      serverOptions: { ServerResponse: AppResponse },
    });
    after(() => void shutdown.trigger("cleanup"));
    const inFlight = () => shutdown.inFlight.requests + shutdown.inFlight.streams;
    const url = `http://127.0.0.1:${served.port}`;
    assert.equal(await (await fetch(`${url}/`)).text(), "true");
    await until(
      () => shutdown.inFlight.requests + shutdown.inFlight.streams === 0,
      5_000,
      "the response's end",
    );
    const aborter = new AbortController();
    const response = await fetch(`${url}/endless`, { signal: aborter.signal });
    await response.body!.getReader().read();
    assert.equal(inFlight(), 1);
    aborter.abort();
    await until(() => inFlight() === 0, 5_000, "the end of the response the client left");
    const report = await within(shutdown.trigger("test"), 5_000, "the shutdown");
    assert.deepEqual([report.exitCode, report.forced], [0, false]);
  },
);

// The slots the gate fills come with the response: properties added to each response after its construction
// gave every one a new hidden class, which cost Node 2 to 3 µs per request (bench/).
test("serve()'s node:http response class has the gate's slots from its construction", async () => {
  const { IncomingMessage, ServerResponse } = await import("node:http");
  const { Socket } = await import("node:net");
  const Releasing = selfReleasingResponse(ServerResponse);
  const response = new Releasing(new IncomingMessage(new Socket()));
  const slots = Object.getOwnPropertySymbols(response).map((symbol) => symbol.description);
  assert.ok(slots.includes("graceful-drain.host"), `own symbols: ${slots.join(", ")}`);
  assert.ok(slots.includes("graceful-drain.ownEntry"), `own symbols: ${slots.join(", ")}`);
  assert.ok(response instanceof ServerResponse);
});

// Two shutdowns owning serve()'s server (one passed to serve(), another attach()ed), and a "request" listener
// that replaces the response's prototype as Express does: each request still ends in both, the report clean.
test("serve() on Node: a second owner and a replaced response prototype each see their requests end", {
  skip,
}, async () => {
  const { ServerResponse } = await import("node:http");
  const first = createShutdown({ signals: false, logger: false, timeout: 5_000 });
  const second = createShutdown({ signals: false, logger: false, timeout: 5_000 });
  const served = await serve(() => new Response("ok"), {
    port: 0,
    hostname: "127.0.0.1",
    shutdown: first,
    onListen: () => {},
  });
  second.attach(served.server as Server);
  after(() => void Promise.all([first.trigger("cleanup"), second.trigger("cleanup")]));
  const inFlight = (shutdown: typeof first) => shutdown.inFlight.requests + shutdown.inFlight.streams;
  const url = `http://127.0.0.1:${served.port}/`;
  assert.equal(await (await fetch(url)).text(), "ok");
  await until(() => inFlight(first) + inFlight(second) === 0, 5_000, "both owners' ends of the request");
  (served.server as Server).prependListener("request", (_req, res) => {
    Object.setPrototypeOf(res, Object.create(ServerResponse.prototype));
  });
  assert.equal(await (await fetch(url)).text(), "ok");
  await until(
    () => inFlight(first) + inFlight(second) === 0,
    5_000,
    "the ends of the request whose prototype changed",
  );
  for (const shutdown of [second, first]) {
    const report = await within(shutdown.trigger("test"), 5_000, "the shutdown");
    assert.deepEqual([report.exitCode, report.forced], [0, false]);
  }
});

// Node drops the responses of pipelined requests queued behind a response that closes the connection,
// although their handlers ran (and the report counted them finished): the close goes to the last one asked
// for, whether the shutdown starts while they wait (the trigger) or they arrive during the delay (unready).
const pipelining = [
  "queued at the trigger",
  "sent during the delay",
  "sent during the delay, the last asking to close",
];
for (const when of pipelining) {
  test(`pipelined requests ${when} are all answered before their connection closes`, { skip }, async () => {
    const delay = when === "queued at the trigger" ? 0 : 2_000;
    const shutdown = createShutdown({ signals: false, logger: false, timeout: 5_000, delay });
    let handled = 0;
    const slow = Promise.withResolvers<void>();
    const served = await serve(async (request: Request) => {
      handled++;
      if (request.url.endsWith("/slow")) await slow.promise;
      return new Response("ok");
    }, { port: 0, hostname: "127.0.0.1", shutdown, onListen: () => {} });
    after(() => void shutdown.trigger("cleanup"));
    const done = delay ? shutdown.trigger("test") : undefined;
    const { socket, received } = await client(served.port, false);
    const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const last = when.endsWith("close")
      ? request("/next").replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")
      : request("/next");
    socket.write(request("/slow") + request("/next").repeat(4) + last);
    await until(() => handled === 6, 5_000, "the six handlers");
    const report = done ?? shutdown.trigger("test");
    slow.resolve();
    const answered = () => received().split("HTTP/1.1 200").length - 1;
    await until(() => answered() === 6, 5_000, `six responses (got ${answered()})`);
    if (delay) {
      assert.equal(received().match(/\r\nconnection: close\r\n/gi)?.length, 1, "one Connection: close");
    }
    assert.deepEqual([(await within(report, 5_000, "the shutdown")).exitCode], [0]);
  });
}

test(
  "a request pipelined behind a held response during the drain gets its 503 before the connection closes",
  {
    skip,
  },
  async () => {
    const { shutdown, served, started, release, serverSockets } = await slowServer();
    after(() => void shutdown.trigger("cleanup"));
    const { socket, received, ended } = await client(served.port, false);
    const request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    socket.write(request);
    await within(started.promise, 5_000, "the handler");
    const report = shutdown.trigger("test"); // marks the held response to close its connection
    await until(() => shutdown.phase === "draining", 5_000, "the drain");
    socket.write(request);
    await until(() => serverSockets[0]?.bytesRead === 2 * request.length, 5_000, "the pipelined request");
    release.resolve();
    await within(ended, 5_000, "the server's FIN");
    assert.match(received(), /^HTTP\/1\.1 200 [^]*\r\n\r\ndoneHTTP\/1\.1 503 [^]*\r\nconnection: close\r\n/i);
    assert.equal((await within(report, 5_000, "the shutdown")).exitCode, 0);
  },
);

// A response answered at once (`res.end()` in the handler) while it waits behind a slow one is committed with
// the shutdown's close before the next pipelined request is read: that request's response could never be sent,
// so its handler must not run (before: it ran, Node dropped the response, and the report said finished).
test(
  "a request pipelined behind a response committed to close the connection is not run",
  { skip },
  async () => {
    const { createServer } = await import("node:http");
    const shutdown = createShutdown({ signals: false, logger: false, timeout: 5_000, delay: 2_000 });
    const handled: string[] = [];
    const slow = Promise.withResolvers<void>();
    const server = createServer((req, res) => {
      handled.push(req.url!);
      if (req.url === "/slow") void slow.promise.then(() => res.end("slow"));
      else res.end(req.url);
    });
    shutdown.attach(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    after(() => void server.close());
    const report = shutdown.trigger("test"); // the delay: still admitted, each response closing the connection
    const { socket, received, ended } = await client((server.address() as { port: number }).port, false);
    const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
    socket.write(request("/slow") + request("/a") + request("/b"));
    await until(() => handled.length === 2, 5_000, "the first two handlers");
    slow.resolve();
    await within(ended, 5_000, "the server's FIN");
    assert.deepEqual(handled, ["/slow", "/a"]);
    assert.match(
      received(),
      /^HTTP\/1\.1 200 [^]*\r\n\r\nslowHTTP\/1\.1 200 [^]*\r\nconnection: close\r\n[^]*\/a$/i,
    );
    assert.equal((await within(report, 5_000, "the shutdown")).exitCode, 0);
  },
);
