import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { defineWebSocketHelper, WSContext } from "hono/ws";
import { createShutdown } from "../mod.ts";
import { gracefulUpgrade } from "../src/hono/mod.ts";
import { PeerSocket } from "./_peer_socket.ts";
import { settle } from "./_helpers.ts";

function setup() {
  return { shutdown: createShutdown({ signals: false, logger: false, timeout: 4_000 }) };
}

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
    // A plain Event: Node 22 has no CloseEvent.
    raw.addEventListener("close", () => events.onClose?.(new Event("close") as CloseEvent, ws));
    queueMicrotask(() => events.onOpen?.(new Event("open"), ws));
    return new Response(null, { status: 200 });
  });
}

describe("gracefulUpgrade()", () => {
  test("tracks each upgraded socket, keeps the app's own events, and refuses upgrades with 503 once draining", async () => {
    const { shutdown } = setup();
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
    const { shutdown } = setup();
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
