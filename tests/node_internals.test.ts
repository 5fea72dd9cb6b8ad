// Canaries for the Node internals the node:http drainer relies on (src/runtimes/node/_internals.ts): each
// fails with a message naming the accessor when a Node version (or Deno's or Bun's node:http) drops or
// changes the internal behind it, before the drain silently degrades.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import {
  closeListenerOnly,
  currentResponse,
  lastParsedRequest,
  replaceCloseAfterResponse,
} from "../src/runtimes/node/_internals.ts";
import { detectRuntime } from "../mod.ts";
import { until, within } from "./_helpers.ts";

// Where Deno's and Bun's node:http differ from Node's (measured; the README's runtime table says so): the
// canary pins that behaviour too, so that a change either way is seen.
const runtime = detectRuntime();
const keepsIdleConnectionsOnListenerClose = runtime === "node";

const cleanups: Array<() => void> = [];
after(() => {
  for (const cleanup of cleanups) cleanup();
});

/** A node:http server whose handler hands each request to the test and answers only when told. */
async function holdingServer() {
  const requests: Array<{ req: IncomingMessage; answer: (body: string, close?: boolean) => void }> = [];
  const arrived = { next: Promise.withResolvers<void>() };
  const server: Server = createServer((req, res) => {
    requests.push({
      req,
      answer: (body, close = false) => {
        if (close) res.setHeader("connection", "close");
        res.end(body);
      },
    });
    arrived.next.resolve();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  cleanups.push(() => {
    server.closeAllConnections();
    server.close();
  });
  const nextRequest = async () => {
    await within(arrived.next.promise, 5_000, "a request at the server");
    arrived.next = Promise.withResolvers<void>();
    return requests.at(-1)!;
  };
  return { server, port, nextRequest };
}

function client(port: number): Promise<Socket> {
  const socket = connect({ port, host: "127.0.0.1" });
  cleanups.push(() => socket.destroy());
  return new Promise((resolve) => socket.once("connect", () => resolve(socket)));
}

test("currentResponse(): the response being written on a socket, none once it ended", async () => {
  const { port, nextRequest } = await holdingServer();
  const socket = await client(port);
  socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const { req, answer } = await nextRequest();
  const response = currentResponse(req.socket);
  assert.ok(response, "currentResponse (socket._httpMessage) is gone: busy and idle sockets look alike");
  assert.equal(
    response.writableEnded,
    false,
    "currentResponse().writableEnded no longer tells an open response",
  );
  assert.equal(response.req, req, "currentResponse().req is no longer the request it answers");
  const finished = new Promise((resolve) => response.once("finish", () => resolve(true)));
  answer("ok");
  assert.equal(await within(finished, 5_000, "the response's finish"), true);
  assert.equal(currentResponse(req.socket), undefined, "currentResponse() still set on an idle socket");
});

test("lastParsedRequest(): a pipelined request behind the one being answered is seen", async () => {
  const { port, nextRequest } = await holdingServer();
  const socket = await client(port);
  socket.write("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  const first = await nextRequest();
  assert.equal(
    lastParsedRequest(first.req.socket),
    first.req,
    "lastParsedRequest (socket.parser.incoming) is not the request just parsed",
  );
  // The second request of the pipeline: Node parses it while the first is still being answered.
  socket.write("GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  await until(
    () => lastParsedRequest(first.req.socket) !== first.req,
    5_000,
    "lastParsedRequest() moving on to a pipelined request (else one could be cut after Connection: close)",
  );
  first.answer("a");
});

test("replaceCloseAfterResponse(): Node calls the replacement after a Connection: close response", async () => {
  const { port, nextRequest } = await holdingServer();
  const socket = await client(port);
  socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const { req, answer } = await nextRequest();
  const called = Promise.withResolvers<void>();
  assert.equal(
    replaceCloseAfterResponse(req.socket, () => {
      called.resolve();
      req.socket.end();
    }),
    true,
    "replaceCloseAfterResponse: the socket has no destroySoon() to replace",
  );
  answer("bye", true);
  await within(called.promise, 5_000, "the replaced destroySoon() after a Connection: close response");
});

test("closeListenerOnly(): the listener closes, an idle keep-alive connection stays open", async () => {
  const { server, port, nextRequest } = await holdingServer();
  const socket = await client(port);
  socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const got = new Promise((resolve) => socket.once("data", resolve));
  (await nextRequest()).answer("ok");
  await within(got, 5_000, "the response");
  const closedEarly = new Promise((resolve) => socket.once("close", () => resolve("closed")));
  closeListenerOnly(server);
  assert.equal(server.listening, false, "closeListenerOnly() left the listener open");
  // The idle connection still serves a request: http.Server#close() would have closed it (Node >= 19).
  socket.write("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
  const second = await Promise.race([nextRequest(), closedEarly]);
  assert.equal(
    second !== "closed",
    keepsIdleConnectionsOnListenerClose,
    keepsIdleConnectionsOnListenerClose
      ? "closeListenerOnly() closed an idle keep-alive connection"
      : `${runtime}'s node:http now keeps idle connections when the listener closes: update the runtime table`,
  );
  if (second !== "closed") (second as { answer: (body: string) => void }).answer("again");
});
