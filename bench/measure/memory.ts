// 5. Memory after many requests: RSS and heap of a process that served them through graceful() beside one
// that served them bare (separate processes: RSS is per process), and the listeners left on the shutdown's
// AbortSignals once the requests have ended. RSS after a full GC still moves by several percent between two
// runs of the same build, so bare and graceful() alternate for ROUNDS runs each: medians, and the spread of
// the bare runs as the noise floor.
import { runScript, type Runtime } from "../lib/proc.ts";
import { median } from "../lib/stats.ts";
import { pct, type Row } from "../lib/table.ts";

const ROUNDS = 3;

interface Result {
  rss: number;
  heap: number;
  listeners: number;
  inFlight: number;
}

const run = (runtime: Runtime, variant: string, count: number) =>
  runScript<Result>(runtime, "bench/inproc/memory.ts", [variant, String(count)], true);

export async function memory(runtime: Runtime, count: number): Promise<Row[]> {
  const bares: Result[] = [];
  const ourRuns: Result[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    bares.push(await run(runtime, "bare", count));
    ourRuns.push(await run(runtime, "graceful", count));
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
  return [
    row("rss"),
    row("heap"),
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
