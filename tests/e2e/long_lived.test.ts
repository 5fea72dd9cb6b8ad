import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { RawClient } from "../support/raw_client.ts";
import { Fixture } from "../support/fixture.ts";
import { RUNTIMES } from "../support/runtimes.ts";

const started = new Set<Fixture>();
const cleanups = new Set<() => void>();
after(() => {
  started.forEach((fixture) => fixture.dispose());
  cleanups.forEach((cleanup) => cleanup());
});

async function start(runtime: (typeof RUNTIMES)[number], options: Parameters<typeof Fixture.start>[1] = {}) {
  const result = await Fixture.start(runtime, { fixture: "long_lived.js", ...options });
  started.add(result.fixture);
  return result;
}

/** A real WebSocket client (Node 24's own), recording messages and the close. */
async function openWebSocket(port: number, path = "/ws") {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
  cleanups.add(() => ws.close());
  const messages: string[] = [];
  const waiters = new Set<() => void>();
  ws.addEventListener("message", (event) => {
    messages.push(String(event.data));
    waiters.forEach((wake) => wake());
  });
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) =>
    ws.addEventListener(
      "close",
      (event) => resolve({ code: event.code, reason: event.reason, at: performance.now() }),
    )
  );
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", () => reject(new Error("the WebSocket did not open")), { once: true });
  });
  /** Resolves once `text` has arrived, or fails after `ms`. */
  const received = (text: string, ms = 5_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${text}" within ${ms} ms: ${messages}`)), ms);
      const check = () => {
        if (!messages.includes(text)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });
  return { ws, messages, closed, received };
}

/** Sends a WebSocket upgrade request on a raw socket and resolves with the response's head. */
function rawUpgrade(port: number, path = "/ws"): Promise<{ status: number; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    cleanups.add(() => socket.destroy());
    let buffer = "";
    const timer = setTimeout(() => fail(new Error(`no response head: ${JSON.stringify(buffer)}`)), 5_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new Error(`closed before a response head: ${JSON.stringify(buffer)}`)));
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      const end = buffer.indexOf("\r\n\r\n");
      if (end === -1) return;
      clearTimeout(timer);
      socket.removeAllListeners("close");
      socket.destroy();
      resolve({ status: Number(buffer.split(" ")[1]), head: buffer.slice(0, end) });
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
  });
}

const tick = (fixture: Fixture, id: number) =>
  fixture.waitFor((e) => e.event === "sse-tick" && Number(e.id) >= id, 5_000, `SSE tick ${id}`);

/** The events of an SSE body, each without its blank line; fails on a trailing partial event. */
function sseEvents(body: string): string[] {
  assert.ok(body.endsWith("\n\n"), `the body ends inside an event: ${JSON.stringify(body.slice(-80))}`);
  return body.slice(0, -2).split("\n\n");
}

for (const runtime of RUNTIMES) {
  describe(`long-lived connections on ${runtime.name}`, { timeout: 90_000 }, () => {
    test("an open WebSocket gets a last message and 1001 at SIGTERM; the process exits well before the deadline", async (t) => {
      const { fixture, port } = await start(runtime, { shutdown: { timeout: 5_000 } });
      const client = await openWebSocket(port);
      client.ws.send("hi");
      await client.received("echo hi");
      const sent = fixture.kill("SIGTERM");
      const closed = await client.closed;
      assert.equal(closed.code, 1001);
      assert.equal(closed.reason, "Going Away");
      assert.deepEqual(client.messages, ["echo hi", "bye"]);
      const exit = await fixture.exit(7_000);
      assert.equal(exit.code, 0, fixture.stderr);
      assert.ok(exit.at - sent < 2_500, `exited ${Math.round(exit.at - sent)} ms after SIGTERM`);
      assert.deepEqual(fixture.report?.webSockets, { closed: 1, terminated: 0 });
      t.diagnostic(
        `${runtime.name}: SIGTERM → 1001 ${Math.round(closed.at - sent)} ms, → exit ${
          Math.round(exit.at - sent)
        } ms`,
      );
    });

    test('closeAt "deadline": the socket stays open for the application to finish; a new upgrade gets the 503', async () => {
      const { fixture, port } = await start(runtime, {
        shutdown: { timeout: 5_000 },
        env: { GD_WS_OPTIONS: JSON.stringify({ closeAt: "deadline" }) },
      });
      const client = await openWebSocket(port, "/ws?finishAfter=1000");
      fixture.kill("SIGTERM");
      await fixture.waitForLog("draining:");
      client.ws.send("still there?");
      await client.received("echo still there?");
      const refused = await rawUpgrade(port);
      assert.equal(refused.status, 503, refused.head);
      assert.match(refused.head, /^connection: close$/im);
      const closed = await client.closed;
      assert.equal(closed.code, 1000);
      assert.deepEqual(client.messages, ["echo still there?", "finished"]);
      assert.equal((await fixture.exit(7_000)).code, 0, fixture.stderr);
      assert.equal(fixture.report?.refused, 1);
      assert.deepEqual(fixture.report?.webSockets, { closed: 1, terminated: 0 });
    });

    test('closeAt "deadline": a socket still open when the drain time is over is terminated; exit 1', async () => {
      const { fixture, port } = await start(runtime, {
        shutdown: { timeout: 1_500, cleanupTimeout: 500 },
        env: { GD_WS_OPTIONS: JSON.stringify({ closeAt: "deadline" }) },
      });
      const client = await openWebSocket(port);
      const sent = fixture.kill("SIGTERM");
      const exit = await fixture.exit(5_000);
      assert.equal(exit.code, 1, fixture.stderr);
      assert.ok(
        exit.at - sent >= 900,
        `exited ${Math.round(exit.at - sent)} ms after SIGTERM, before the deadline`,
      );
      // The close frame and the last message go out before the socket is terminated.
      const closed = await client.closed;
      assert.equal(closed.code, 1001);
      assert.deepEqual(client.messages, ["bye"]);
      assert.deepEqual(fixture.report?.webSockets, { closed: 0, terminated: 1 });
      assert.deepEqual(
        (fixture.report?.cutItems as Array<{ kind: string }>).map((item) => item.kind),
        ["webSockets"],
      );
    });

    test("an SSE stream (drainSSE) gets every event whole, the shutdown event with retry:, and a clean end", async (t) => {
      const { fixture, port } = await start(runtime);
      const client = await RawClient.connect(port);
      cleanups.add(() => client.close());
      const pending = client.get("/sse?interval=50");
      await tick(fixture, 3);
      const sent = fixture.kill("SIGTERM");
      const response = await pending; // resolves only on the chunked terminator
      assert.equal(response.status, 200);
      assert.equal(response.headers["content-type"], "text/event-stream");
      const events = sseEvents(response.body);
      assert.equal(events.pop(), "event: shutdown\ndata: shutting down\nretry: 1500");
      assert.ok(events.length >= 4, response.body);
      events.forEach((event, i) =>
        assert.equal(event, `event: tick\ndata: tick ${i}\ndata: second line\nid: ${i}`)
      );
      const exit = await fixture.exit(7_000);
      assert.equal(exit.code, 0, fixture.stderr);
      assert.ok(exit.at - sent < 2_500, `exited ${Math.round(exit.at - sent)} ms after SIGTERM`);
      t.diagnostic(`${runtime.name}: SSE, SIGTERM → exit ${Math.round(exit.at - sent)} ms`);
    });

    test("a plain ReadableStream SSE body (drainSSEStream) ends between two events, never inside one", async () => {
      const { fixture, port } = await start(runtime);
      const client = await RawClient.connect(port);
      cleanups.add(() => client.close());
      const pending = client.get("/sse-plain");
      await tick(fixture, 2);
      fixture.kill("SIGTERM");
      const response = await pending;
      const events = sseEvents(response.body);
      assert.equal(events.pop(), "event: bye\ndata: shutting down\nretry: 2500");
      assert.ok(events.length >= 3, response.body);
      events.forEach((event, i) => assert.equal(event, `event: tick\nid: ${i}\ndata: tick ${i}`));
      assert.equal((await fixture.exit(7_000)).code, 0, fixture.stderr);
      await fixture.waitFor((e) => e.event === "sse-end", 1_000, "the source to be cancelled");
    });
  });
}
