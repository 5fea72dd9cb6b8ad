// 5. Memory after many requests, on the real server: the same Hono app bare ("hono", on the runtime's own
// server) and through serve() + graceful() with a route that reads c.var.shutdown.signal and .deadline
// ("serve-hono-signal"), each loaded by wrk until it has had N responses; then the server's own /memory route
// runs a full garbage collection and reports RSS, heap, the listeners left on the shutdown's AbortSignals and
// what is still in flight. RSS after a full GC still moves by several percent between two runs of the same
// build, so bare and ours alternate for ROUNDS runs each: medians, and the spread of the bare runs as the
// noise floor.
import { type Runtime, startServer } from "../lib/proc.ts";
import { median } from "../lib/stats.ts";
import { pct, type Row } from "../lib/table.ts";
import { wrkRequests } from "../lib/wrk.ts";

const ROUNDS = 3;

interface Result {
  rss: number;
  heap: number;
  listeners: number;
  inFlight: number;
  /** V8's young generation as reserved (Node, Deno): undefined on Bun. */
  newSpace?: number;
}

async function run(runtime: Runtime, mode: string, count: number): Promise<Result> {
  const { child, port } = await startServer(runtime, mode, {}, { BENCH_MEMORY: "1" }, true);
  try {
    await wrkRequests(port, count, 32);
    const response = await fetch(`http://127.0.0.1:${port}/memory`);
    return await response.json() as Result;
  } finally {
    await child.dispose();
  }
}

export async function memory(runtime: Runtime, count: number): Promise<Row[]> {
  const bares: Result[] = [];
  const ourRuns: Result[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    bares.push(await run(runtime, "hono", count));
    ourRuns.push(await run(runtime, "serve-hono-signal", count));
  }
  const ours = ourRuns.at(-1)!;
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
  const signed = (ratio: number) => `${ratio >= 1 ? "+" : ""}${pct(ratio - 1)}`;
  const row = (what: "rss" | "heap"): Row => {
    const bare = median(bares.map((r) => r[what]));
    const ratio = median(ourRuns.map((r) => r[what])) / bare;
    const floor = bares.map((r) => r[what] / bare);
    return {
      measurement: `5 ${what === "rss" ? "RSS" : "heap"} after ${count / 1000}k requests`,
      runtime: runtime.name,
      figure: mb(median(ourRuns.map((r) => r[what]))),
      baseline: `${mb(bare)} bare (median of ${ROUNDS})`,
      ratio: `${signed(ratio)} (bare runs ${signed(Math.min(...floor))}…${signed(Math.max(...floor))})`,
      target: "≤ +5%",
      pass: ratio <= 1.05,
    };
  };
  // V8 grows its young generation (doubling it) each time the bytes that survived its collections since the
  // last growth exceed its size, so any per-request state reaches the next size after fewer requests than
  // the bare app: shown beside RSS, whose gap it explains.
  const young: Row[] = ours.newSpace === undefined ? [] : [{
    measurement: `5 V8 young generation after ${count / 1000}k requests`,
    runtime: runtime.name,
    figure: ourRuns.map((r) => mb(r.newSpace!)).join(", "),
    baseline: `${bares.map((r) => mb(r.newSpace!)).join(", ")} bare`,
    ratio: "—",
    target: "(info)",
    pass: undefined,
  }];
  return [
    row("rss"),
    row("heap"),
    ...young,
    {
      measurement: "5 listeners left on shutdown signals",
      runtime: runtime.name,
      figure: `${ours.listeners} (${ours.inFlight} in flight)`,
      baseline: "0",
      ratio: "—",
      target: "0",
      pass: ours.listeners === 0 && ours.inFlight === 0,
    },
  ];
}
