import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { defineWebSocketHelper, WSContext } from "hono/ws";
import { createShutdown } from "../mod.ts";
import { gracefulUpgrade } from "../src/hono.ts";
import { FakeClock, recordingLogger, settle } from "./_helpers.ts";

/**
 * A socket with the web WebSocket's shape, in-process: records what the library does to it. Its peer answers
 * a close frame at once (the close event follows), unless `silent`.
 */
class PeerSocket extends EventTarget {
  readyState = 1;
  readonly calls: string[] = [];
  readonly silent: boolean;
  constructor(silent = false) {
    super();
    this.silent = silent;
  }
  send(data: string): void {
    this.calls.push(`send ${data}`);
  }
  close(code?: number, reason?: string): void {
    this.calls.push(`close ${code} ${reason}`);
    this.readyState = 2;
    if (!this.silent) queueMicrotask(() => this.#closed());
  }
  terminate(): void {
    this.calls.push("terminate");
    this.#closed();
  }
  #closed(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.dispatchEvent(new Event("close"));
  }
}

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

/** An upgradeWebSocket built with Hono's own helper, as every adapter is, whose "upgrade" opens a PeerSocket. */
function inProcessUpgrade(sockets: PeerSocket[]) {
  return defineWebSocketHelper((c, events) => {
    if (c.req.header("upgrade") !== "websocket") return;
    const raw = new PeerSocket();
    sockets.push(raw);
    const ws = new WSContext({
      raw,
      send: (data) => raw.send(String(data)),
      close: (code, reason) => raw.close(code, reason),
      readyState: 1,
    });
    // A plain Event: Node 20 has no CloseEvent.
    raw.addEventListener("close", () => events.onClose?.(new Event("close") as CloseEvent, ws));
    queueMicrotask(() => events.onOpen?.(new Event("open"), ws));
    return new Response(null, { status: 200 });
  });
}

describe("gracefulUpgrade()", () => {
  test("tracks each upgraded socket, keeps the app's own events, and refuses upgrades with 503 once draining", async () => {
    const { shutdown } = setup({ clock: undefined });
    const sockets: PeerSocket[] = [];
    const seen: string[] = [];
    const upgradeWebSocket = gracefulUpgrade(shutdown, inProcessUpgrade(sockets), {
      beforeClose: (ws) => ws.send("bye"),
    });
    const app = new Hono().get(
      "/ws",
      upgradeWebSocket(() => ({
        onOpen: () => void seen.push("open"),
        onClose: () => void seen.push("close"),
      })),
    );
    const upgrade = { headers: { upgrade: "websocket" } };
    assert.equal((await app.request("/ws", upgrade)).status, 200);
    await settle();
    assert.equal(shutdown.inFlight.webSockets, 1);
    shutdown.trigger();
    const refused = await app.request("/ws", upgrade);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get("connection"), "close");
    const report = await shutdown.done;
    assert.deepEqual(sockets[0].calls, ["send bye", "close 1001 Going Away"]);
    assert.deepEqual(seen, ["open", "close"]);
    assert.equal(sockets.length, 1);
    assert.equal(report.refused, 1);
    assert.deepEqual(report.webSockets, { closed: 1, terminated: 0 });
  });

  test("works called as upgradeWebSocket(c, events) too", async () => {
    const { shutdown } = setup({ clock: undefined });
    const sockets: PeerSocket[] = [];
    const upgradeWebSocket = gracefulUpgrade(shutdown, inProcessUpgrade(sockets));
    const app = new Hono().get("/ws", (c) => upgradeWebSocket(c, {}));
    const upgrade = { headers: { upgrade: "websocket" } };
    assert.equal((await app.request("/ws", upgrade)).status, 200);
    await settle();
    assert.equal(shutdown.inFlight.webSockets, 1);
    shutdown.trigger();
    assert.equal((await app.request("/ws", upgrade)).status, 503);
    assert.deepEqual((await shutdown.done).webSockets, { closed: 1, terminated: 0 });
  });

  test("rejects what is not an upgradeWebSocket, and bad options", () => {
    const { shutdown } = setup();
    assert.throws(() => gracefulUpgrade(shutdown, undefined as never), {
      name: "TypeError",
      message: "Cannot make upgradeWebSocket graceful: expected Hono's upgradeWebSocket, received undefined",
    });
    assert.throws(() => gracefulUpgrade(shutdown, inProcessUpgrade([]), { closeAt: "later" as never }), {
      name: "RangeError",
      message:
        'Cannot make upgradeWebSocket graceful: "closeAt" must be "drain" or "deadline", received "later"',
    });
  });
});
