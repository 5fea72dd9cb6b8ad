// The gradual drain against a reconnect storm: N WebSockets (and N SSE streams) on one instance of the
// long-lived fixture, SIGTERM, and clients that reconnect at once (SSE: after the final event's retry hint)
// to a second instance. Prints the peak of reconnect attempts per 100 ms (when the clients reconnect: a
// WebSocket's close, an SSE stream's end plus its retry hint), how many reconnected, the time from the signal
// to the last close, and the exit code, without and with the spread, in alternating runs.
// Usage: node bench/gradual_drain.ts [--clients 1000] [--runs 2] [--only node24]
import process from "node:process";
import { parseArgs } from "node:util";
import { Fixture } from "../tests/support/fixture.ts";
import { RawClient } from "../tests/support/raw_client.ts";
import { type Runtime, runtime } from "../tests/support/runtimes.ts";

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "1000" },
    runs: { type: "string", default: "2" },
    only: { type: "string", default: "node24" },
  },
});
const CLIENTS = Number(values.clients);
const SPREAD = 5_000; // inside the drain: at most half of timeout − cleanupTimeout
const TIMEOUT = 12_000;

interface Outcome {
  peakPer100ms: number;
  lastCloseMs: number;
  reconnected: number;
  exitCode: number | null;
}

/** The peak count of `times` (ms) in any 100 ms bucket. */
const peak = (times: number[]) => {
  const buckets = new Map<number, number>();
  for (const t of times) buckets.set(Math.floor(t / 100), (buckets.get(Math.floor(t / 100)) ?? 0) + 1);
  return Math.max(0, ...buckets.values());
};

function outcome(
  attempts: number[],
  closes: number[],
  reconnects: number[],
  exitCode: number | null,
): Outcome {
  return {
    peakPer100ms: peak(attempts),
    lastCloseMs: Math.round(Math.max(...closes)),
    reconnected: reconnects.length,
    exitCode,
  };
}

async function start(rt: Runtime, spread: number) {
  return await Fixture.start(rt, {
    fixture: "long_lived.js",
    shutdown: { timeout: TIMEOUT, cleanupTimeout: 500, spread },
    env: {
      GD_SSE_OPTIONS: JSON.stringify(spread ? { spread, retry: { min: 500, max: 1_500 } } : { retry: 1_000 }),
    },
  });
}

async function webSockets(rt: Runtime, spread: number): Promise<Outcome> {
  const old = await start(rt, spread);
  const next = await start(rt, 0);
  const reconnects: number[] = [];
  const attempts: number[] = [];
  const closes: number[] = [];
  let sentAt = 0;
  const sockets: WebSocket[] = [];
  try {
    await Promise.all(Array.from({ length: CLIENTS }, () =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${old.port}/ws`);
        sockets.push(ws);
        ws.addEventListener("open", () => resolve(), { once: true });
        ws.addEventListener("error", () => reject(new Error("a WebSocket failed to open")), { once: true });
        ws.addEventListener("close", () => {
          closes.push(performance.now() - sentAt);
          attempts.push(performance.now() - sentAt);
          const again = new WebSocket(`ws://127.0.0.1:${next.port}/ws`); // at once, as most clients do
          sockets.push(again);
          again.addEventListener("open", () => reconnects.push(performance.now() - sentAt), { once: true });
        }, { once: true });
      })));
    sentAt = old.fixture.kill("SIGTERM");
    const exit = await old.fixture.exit(TIMEOUT + 5_000);
    const deadline = performance.now() + 10_000;
    while (reconnects.length < closes.length && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return outcome(attempts, closes, reconnects, exit.code);
  } finally {
    for (const ws of sockets) ws.close();
    old.fixture.dispose();
    next.fixture.dispose();
  }
}

async function sse(rt: Runtime, spread: number): Promise<Outcome> {
  const old = await start(rt, spread);
  const next = await start(rt, 0);
  const reconnects: number[] = [];
  const attempts: number[] = [];
  const closes: number[] = [];
  let sentAt = 0;
  const clients: RawClient[] = [];
  try {
    const streams: Array<Promise<unknown>> = [];
    for (let i = 0; i < CLIENTS; i++) {
      const client = await RawClient.connect(old.port);
      clients.push(client);
      streams.push(
        client.get("/sse?interval=1000").then(async (response) => {
          closes.push(performance.now() - sentAt);
          const retry = Number(/retry: (\d+)/.exec(response.body)?.[1] ?? 0);
          await new Promise((resolve) => setTimeout(resolve, retry)); // what EventSource does
          attempts.push(performance.now() - sentAt);
          const again = await RawClient.connect(next.port);
          clients.push(again);
          reconnects.push(performance.now() - sentAt);
        }),
      );
    }
    // Every stream under way (its first tick sent): a request not yet handled at the signal gets a 503.
    const deadline = performance.now() + 20_000;
    const started = () => old.fixture.events.filter((e) => e.event === "sse-tick" && e.id === 0).length;
    while (started() < CLIENTS && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    sentAt = old.fixture.kill("SIGTERM");
    const exit = await old.fixture.exit(TIMEOUT + 5_000);
    await Promise.allSettled(streams);
    return outcome(attempts, closes, reconnects, exit.code);
  } finally {
    for (const client of clients) client.close();
    old.fixture.dispose();
    next.fixture.dispose();
  }
}

const rows: string[] = [];
for (const name of values.only!.split(",")) {
  const rt = runtime(name as Runtime["name"]);
  for (const [kind, measure] of [["WebSockets", webSockets], ["SSE", sse]] as const) {
    const results: Record<string, Outcome[]> = { "at once": [], [`spread ${SPREAD} ms`]: [] };
    for (let run = 0; run < Number(values.runs); run++) {
      results["at once"].push(await measure(rt, 0));
      results[`spread ${SPREAD} ms`].push(await measure(rt, SPREAD));
    }
    for (const [label, outcomes] of Object.entries(results)) {
      const worst = (pick: (o: Outcome) => number) => Math.max(...outcomes.map(pick));
      rows.push(
        `| ${rt.name} | ${kind} × ${CLIENTS} | ${label} | ${worst((o) => o.peakPer100ms)} | ${
          worst((o) => o.lastCloseMs)
        } | ${Math.min(...outcomes.map((o) => o.reconnected))} | ${
          outcomes.map((o) => o.exitCode).join(", ")
        } |`,
      );
    }
  }
}
console.log(
  `| runtime | clients | close | peak reconnect attempts / 100 ms (worst) | last close after SIGTERM, ms (worst) | reconnected (least) | exit codes |`,
);
console.log("|---|---|---|---|---|---|---|");
for (const row of rows) console.log(row);
process.exit(0);
