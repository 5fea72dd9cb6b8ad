// The pure parts of the lifecycle, without a clock or a server: the report's assembly and exit code, the
// in-flight bookkeeping, and the SSE event boundary.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildReport, formatCounts, formatMs, type StopFacts } from "../src/_lifecycle/report.ts";
import { entryClock, InFlight } from "../src/_lifecycle/in_flight.ts";
import { systemClock } from "../src/clock.ts";
import { EventBoundary, finalEvent } from "../src/_http/sse_events.ts";

const none = { requests: 0, streams: 0, webSockets: 0, tasks: 0 };
const facts = (more: Partial<StopFacts> = {}): StopFacts => ({
  trigger: "SIGTERM",
  phaseTimes: { draining: 0, cleanup: 40, stopped: 50 },
  finished: none,
  refused: 0,
  cutItems: [],
  failedTasks: 0,
  hooks: [],
  forced: false,
  uncaught: false,
  ...more,
});

describe("buildReport", () => {
  test("a clean stop exits 0 and reports the phases' times", () => {
    const report = buildReport(facts());
    assert.equal(report.exitCode, 0);
    assert.deepEqual(report.phases, { draining: 0, cleanup: 40, stopped: 50 });
    assert.equal(report.duration, 50);
    assert.deepEqual(report.cut, none);
  });

  test("anything cut, a failed, timed-out or skipped hook, a failed task or an uncaught error exits 1", () => {
    const cut = [{ kind: "streams" as const, label: "GET /events", age: 900 }];
    assert.equal(buildReport(facts({ cutItems: cut })).exitCode, 1);
    assert.deepEqual(buildReport(facts({ cutItems: cut })).cut, { ...none, streams: 1 });
    for (const outcome of ["failed", "timeout", "skipped"] as const) {
      assert.equal(
        buildReport(facts({ hooks: [{ name: "db", outcome, duration: 1 }] })).exitCode,
        1,
        outcome,
      );
    }
    assert.equal(buildReport(facts({ hooks: [{ name: "db", outcome: "ok", duration: 1 }] })).exitCode, 0);
    assert.equal(buildReport(facts({ failedTasks: 1 })).exitCode, 1);
    assert.equal(buildReport(facts({ uncaught: true })).exitCode, 1);
  });

  test("a second signal n exits 128 + n, whatever else happened", () => {
    assert.equal(buildReport(facts({ secondSignal: "SIGINT", failedTasks: 2 })).exitCode, 130);
    assert.equal(buildReport(facts({ secondSignal: "SIGTERM" })).exitCode, 143);
  });

  test("WebSockets closed are those finished, terminated those cut", () => {
    const report = buildReport(facts({
      finished: { ...none, webSockets: 3 },
      cutItems: [{ kind: "webSockets", label: "chat", age: 1 }],
    }));
    assert.deepEqual(report.webSockets, { closed: 3, terminated: 1 });
  });

  test("counts and durations read as the log lines show them", () => {
    assert.equal(formatCounts(none), "nothing in flight");
    assert.equal(formatCounts({ ...none, requests: 1, tasks: 2 }), "1 request, 2 tasks");
    assert.equal(formatMs(1500), "1.5 s");
    assert.equal(formatMs(299.6), "300 ms");
  });
});

describe("InFlight", () => {
  test("entries are stamped by Date.now() with the system clock, by the injected clock otherwise", () => {
    assert.equal(entryClock(systemClock), Date.now);
    const clock = { ...systemClock, now: () => 42 };
    assert.equal(entryClock(clock)(), 42);
  });

  test("counts by kind, moves a request to streams, and calls whenIdle once when the last entry ends", () => {
    const inFlight = new InFlight(() => 0);
    const request = inFlight.add("requests", new Request("http://x/a"));
    const task = inFlight.add("tasks", "flush");
    let idle = 0;
    inFlight.whenIdle(() => idle++);
    inFlight.move(request, "streams");
    assert.deepEqual(inFlight.counts(), { ...none, streams: 1, tasks: 1 });
    inFlight.delete(task);
    inFlight.delete(task); // twice is harmless
    assert.equal(idle, 0);
    inFlight.delete(request);
    assert.equal(idle, 1);
    assert.equal(inFlight.size, 0);
  });

  test("finished counts each entry once, by the kind it started as, only after startCountingFinished()", () => {
    const inFlight = new InFlight(() => 0);
    inFlight.delete(inFlight.add("tasks", "before"));
    inFlight.startCountingFinished();
    const request = inFlight.add("requests", new Request("http://x/"));
    inFlight.move(request, "streams");
    inFlight.delete(request);
    assert.deepEqual(inFlight.finished(), { ...none, requests: 1 });
  });

  test("cutAll lists what is left with its age and label, then forgets it", () => {
    let now = 100;
    const inFlight = new InFlight(() => now);
    const request = inFlight.add("requests", new Request("http://x/slow?q=1", { method: "POST" }));
    now = 200;
    inFlight.add("tasks", "flush");
    now = 1_000;
    const cut = inFlight.cutAll();
    assert.deepEqual(cut, [
      { kind: "requests", label: "POST /slow?q=1", age: 900 },
      { kind: "tasks", label: "flush", age: 800 },
    ]);
    assert.equal(inFlight.has(request), false);
    inFlight.delete(request); // a late completion changes nothing
    assert.deepEqual(inFlight.counts(), none);
  });
});

describe("EventBoundary", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  test("is at a boundary only after the blank line that ends an event, with LF, CRLF or CR", () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      const boundary = new EventBoundary();
      assert.equal(boundary.atBoundary, true, "nothing seen yet");
      boundary.push(bytes(`data: a${eol}`));
      assert.equal(boundary.atBoundary, false, `a field line ended by ${JSON.stringify(eol)}`);
      boundary.push(bytes(eol));
      assert.equal(boundary.atBoundary, true, `the blank line ended by ${JSON.stringify(eol)}`);
    }
  });

  test("a CRLF split across two chunks is one line end", () => {
    const boundary = new EventBoundary();
    boundary.push(bytes("data: a\r"));
    boundary.push(bytes("\n"));
    assert.equal(boundary.atBoundary, false);
    boundary.push(bytes("\r\n"));
    assert.equal(boundary.atBoundary, true);
  });

  test("finalEvent writes one event per data line, with its retry hint", () => {
    assert.equal(
      finalEvent({ event: "shutdown", retry: 1000, data: "a\nb", spread: 0 }),
      "event: shutdown\ndata: a\ndata: b\nretry: 1000\n\n",
    );
  });
});
