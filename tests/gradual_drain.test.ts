// A gradual drain of long-lived connections: closes spread over a window inside the drain, so that their
// clients do not all reconnect to the other instances at once; the SSE retry hint picked from a range; the
// close code 1012 "Service Restart".
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createShutdown, drainSSEStream } from "../mod.ts";
import { FakeClock, settle } from "./_helpers.ts";

/** A socket that records when it was closed, and with what, on the fake clock. */
function socket(clock: FakeClock) {
  const closes: Array<{ at: number; code?: number; reason?: string }> = [];
  let onClose = () => {};
  return {
    closes,
    readyState: 1,
    close(code?: number, reason?: string) {
      closes.push({ at: clock.now(), code, reason });
      this.readyState = 3;
      onClose();
    },
    addEventListener(_type: "close", listener: () => void) {
      onClose = listener;
    },
  };
}

describe("WebSockets spread over the drain", () => {
  test("closes fall at random points of the window, every one before the drain ends", async () => {
    const clock = new FakeClock();
    const shutdown = createShutdown({ signals: false, exit: false, logger: false, clock, timeout: 10_000 });
    const sockets = Array.from({ length: 200 }, () => socket(clock));
    for (const ws of sockets) shutdown.trackWebSocket(ws, { spread: 2_000 });
    shutdown.trigger();
    await clock.advance(2_000);
    const report = await shutdown.done;
    const times = sockets.map((ws) => ws.closes[0]?.at);
    assert.ok(
      times.every((at) => at !== undefined && at >= 0 && at <= 2_000),
      "each closed within the window",
    );
    const perSecond = [times.filter((at) => at! < 1_000).length, times.filter((at) => at! >= 1_000).length];
    assert.ok(perSecond.every((n) => n > 60), `spread over both halves of the window: ${perSecond}`);
    assert.ok(new Set(times).size > 150, "not in a few bursts");
    assert.equal(report.webSockets.closed, 200);
    assert.equal(report.exitCode, 0);
  });

  test("the shutdown-wide spread is the default, bounded by half of what is left of the drain", async () => {
    const clock = new FakeClock();
    const shutdown = createShutdown({
      signals: false,
      exit: false,
      logger: false,
      clock,
      timeout: 1_000,
      spread: 60_000,
    });
    const sockets = Array.from({ length: 50 }, () => socket(clock));
    for (const ws of sockets) shutdown.trackWebSocket(ws);
    shutdown.trigger();
    await clock.advance(500);
    assert.ok(sockets.every((ws) => ws.closes.length === 1 && ws.closes[0].at <= 500));
    assert.ok(sockets.some((ws) => ws.closes[0].at > 0), "spread, not all at once");
    assert.equal((await shutdown.done).exitCode, 0);
  });

  test("a socket its client closes first is not closed again; 1012 when asked", async () => {
    const clock = new FakeClock();
    const shutdown = createShutdown({ signals: false, exit: false, logger: false, clock, timeout: 10_000 });
    const early = socket(clock);
    const restart = socket(clock);
    shutdown.trackWebSocket(early, { spread: 5_000 });
    shutdown.trackWebSocket(restart, { closeCode: 1012 });
    shutdown.trigger();
    await settle();
    early.close(1000, "bye"); // the client's close, before its point in the window
    await clock.advance(5_000);
    await shutdown.done;
    assert.deepEqual(early.closes.map((c) => c.code), [1000]);
    assert.deepEqual(restart.closes, [{ at: 0, code: 1012, reason: "Service Restart" }]);
  });

  test("bad spread and closeCode values are refused, naming them", () => {
    const shutdown = createShutdown({ signals: false, logger: false });
    const ws = { close() {} };
    assert.throws(() => shutdown.trackWebSocket(ws, { spread: -1 }), {
      name: "RangeError",
      message: 'Cannot track WebSocket: "spread" must be a non-negative finite number, received -1',
    });
    assert.throws(() => shutdown.trackWebSocket(ws, { closeCode: 1000 as never }), {
      name: "RangeError",
      message: 'Cannot track WebSocket: "closeCode" must be 1001 or 1012, received 1000',
    });
    assert.throws(() => createShutdown({ spread: "1s" as never }), {
      name: "TypeError",
      message: /"spread"/,
    });
  });
});

describe("SSE streams spread over the drain", () => {
  const text = (chunk: Uint8Array) => new TextDecoder().decode(chunk);

  test("final events go out at random points of the spread; retry is picked from the range", async () => {
    const controller = new AbortController();
    const idle = () => new ReadableStream<string>({ pull: () => new Promise(() => {}) });
    const streams = Array.from(
      { length: 20 },
      () => drainSSEStream(idle(), controller.signal, { spread: 300, retry: { min: 3_000, max: 3_999 } }),
    );
    const started = performance.now();
    const arrivals = streams.map(async (stream) => {
      const { value } = await stream.getReader().read();
      return { at: performance.now() - started, event: text(value!) };
    });
    controller.abort();
    const events = await Promise.all(arrivals);
    const retries = events.map((e) => Number(/retry: (\d+)/.exec(e.event)?.[1]));
    assert.ok(retries.every((retry) => retry >= 3_000 && retry <= 3_999), retries.join());
    assert.ok(new Set(retries).size > 1, "retry picked per stream");
    const times = events.map((e) => e.at);
    assert.ok(Math.max(...times) - Math.min(...times) > 50, `spread over the window: ${times.join()}`);
    assert.ok(Math.max(...times) < 2_000, "all within the spread (and the machine's slack)");
  });

  test("a bad retry range is refused, naming it", () => {
    const body = new ReadableStream<string>();
    assert.throws(() => drainSSEStream(body, new AbortController().signal, { retry: { min: 5, max: 1 } }), {
      name: "RangeError",
      message: /"retry" must be .*min at most max/,
    });
  });
});
