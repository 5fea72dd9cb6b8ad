import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { WSContext } from "hono/ws";
import { createShutdown } from "../mod.ts";
import { PeerSocket } from "./_peer_socket.ts";
import { FakeClock, recordingLogger, settle } from "./_helpers.ts";

function setup(options: Parameters<typeof createShutdown>[0] = {}) {
  const clock = new FakeClock();
  const logger = recordingLogger();
  const shutdown = createShutdown({ signals: false, timeout: 4_000, clock, logger, ...options });
  return { clock, logger, shutdown };
}

describe("trackWebSocket()", () => {
  test("counts the socket until its close event; the untrack function stops counting it", async () => {
    const { shutdown } = setup();
    const a = new PeerSocket();
    const b = new PeerSocket();
    shutdown.trackWebSocket(a);
    const untrack = shutdown.trackWebSocket(b);
    assert.equal(shutdown.inFlight.webSockets, 2);
    a.close(1000, "bye");
    await settle();
    assert.equal(shutdown.inFlight.webSockets, 1);
    untrack();
    assert.equal(shutdown.inFlight.webSockets, 0);
  });

  test("draining sends beforeClose's last message, then 1001; the drain ends with the close, exit 0", async () => {
    const { shutdown } = setup();
    const socket = new PeerSocket();
    shutdown.trackWebSocket(socket, { beforeClose: (ws) => ws.send("reconnect") });
    const report = await shutdown.trigger();
    assert.deepEqual(socket.calls, ["send reconnect", "close 1001 Going Away"]);
    assert.equal(report.duration, 0);
    assert.equal(report.exitCode, 0);
    assert.deepEqual(report.webSockets, { closed: 1, terminated: 0 });
    assert.equal(report.finished.webSockets, 1);
  });

  test("an async beforeClose is awaited before the close frame; one that throws is logged and closed anyway", async () => {
    const { clock, logger, shutdown } = setup();
    const slow = new PeerSocket();
    const failing = new PeerSocket();
    shutdown.trackWebSocket(slow, {
      beforeClose: async (ws) => {
        await new Promise<void>((resolve) => clock.setTimeout(() => resolve(), 500));
        ws.send("state");
      },
    });
    shutdown.trackWebSocket(failing, {
      name: "chat",
      beforeClose: () => {
        throw new Error("no state");
      },
    });
    shutdown.trigger();
    await settle();
    assert.deepEqual(slow.calls, []);
    assert.deepEqual(failing.calls, ["close 1001 Going Away"]);
    assert.ok(
      logger.lines.some((l) => l.level === "error" && l.message === "chat beforeClose failed: no state"),
    );
    await clock.advance(500);
    assert.deepEqual(slow.calls, ["send state", "close 1001 Going Away"]);
    assert.equal((await shutdown.done).exitCode, 0);
  });

  test('closeAt "deadline" leaves the socket open through the drain; the application may close it', async () => {
    const { clock, shutdown } = setup();
    const socket = new PeerSocket();
    shutdown.trackWebSocket(socket, { closeAt: "deadline", beforeClose: (ws) => ws.send("bye") });
    shutdown.trigger();
    await clock.advance(1_000);
    assert.equal(shutdown.phase, "draining");
    assert.deepEqual(socket.calls, []);
    socket.close(1000, "done");
    const report = await shutdown.done;
    assert.deepEqual(socket.calls, ["close 1000 done"]);
    assert.equal(report.exitCode, 0);
    assert.deepEqual(report.webSockets, { closed: 1, terminated: 0 });
  });

  test('closeAt "deadline": still open at the deadline, it gets its last message, 1001, then terminate()', async () => {
    const { clock, shutdown } = setup();
    const socket = new PeerSocket(true);
    shutdown.trackWebSocket(socket, { closeAt: "deadline", beforeClose: (ws) => ws.send("bye") });
    shutdown.trigger();
    await clock.advance(3_999);
    assert.deepEqual(socket.calls, []);
    await clock.advance(1);
    const report = await shutdown.done;
    assert.deepEqual(socket.calls, ["send bye", "close 1001 Going Away", "terminate"]);
    assert.equal(report.exitCode, 1);
    assert.deepEqual(report.webSockets, { closed: 0, terminated: 1 });
    assert.deepEqual(report.cutItems, [{ kind: "webSockets", label: "WebSocket", age: 4_000 }]);
  });

  test("a peer that never answers the 1001 is terminated at the deadline, through Hono's WSContext raw socket", async () => {
    const { clock, shutdown } = setup();
    const raw = new PeerSocket(true);
    const context = new WSContext({
      raw,
      send: (data) => raw.send(String(data)),
      close: (code, reason) => raw.close(code, reason),
      readyState: 1,
    });
    shutdown.trackWebSocket(context, { name: "ws /chat" });
    shutdown.trigger();
    await settle();
    assert.deepEqual(raw.calls, ["close 1001 Going Away"]);
    await clock.advance(4_000);
    const report = await shutdown.done;
    assert.deepEqual(raw.calls, ["close 1001 Going Away", "terminate"]);
    assert.deepEqual(report.cut.webSockets, 1);
    assert.equal(report.cutItems[0].label, "ws /chat");
  });

  test("a socket tracked while draining gets its 1001 at once", async () => {
    const { clock, shutdown } = setup();
    const first = new PeerSocket(true);
    shutdown.trackWebSocket(first);
    shutdown.trigger();
    const late = new PeerSocket();
    shutdown.trackWebSocket(late);
    await settle();
    assert.deepEqual(late.calls, ["close 1001 Going Away"]);
    await clock.advance(4_000);
  });

  test("invalid sockets and options throw a TypeError or RangeError naming them", () => {
    const { shutdown } = setup();
    const socket = new PeerSocket();
    assert.throws(() => shutdown.trackWebSocket({} as never), {
      name: "TypeError",
      message: "Cannot track WebSocket: expected an object with close(), received an object",
    });
    assert.throws(() => shutdown.trackWebSocket(socket, { closeAt: "never" as never }), {
      name: "RangeError",
      message: 'Cannot track WebSocket: "closeAt" must be "drain" or "deadline", received "never"',
    });
    assert.throws(() => shutdown.trackWebSocket(socket, { closeAt: false as never }), {
      name: "TypeError",
      message: 'Cannot track WebSocket: "closeAt" must be "drain" or "deadline", received false',
    });
    assert.throws(() => shutdown.trackWebSocket(socket, { beforeClose: "bye" as never }), {
      name: "TypeError",
      message: 'Cannot track WebSocket: "beforeClose" must be a function, received "bye"',
    });
    assert.throws(() => shutdown.trackWebSocket(socket, { closeat: "drain" } as never), {
      name: "TypeError",
      message: 'Cannot track WebSocket: unknown option "closeat"',
    });
    assert.equal(shutdown.inFlight.webSockets, 0);
  });
});
