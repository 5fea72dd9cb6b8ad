// 5. Memory after many requests: RSS and heap of a process that served them through graceful() beside one
// that served them bare (separate processes: RSS is per process), and the listeners left on the shutdown's
// AbortSignals once the requests have ended.
import { runScript, type Runtime } from "../lib/proc.ts";
import { pct, type Row } from "../lib/table.ts";

interface Result {
  rss: number;
  heap: number;
  listeners: number;
  inFlight: number;
}

const run = (runtime: Runtime, variant: string, count: number) =>
  runScript<Result>(runtime, "bench/inproc/memory.ts", [variant, String(count)], true);

export async function memory(runtime: Runtime, count: number): Promise<Row[]> {
  const bare = await run(runtime, "bare", count);
  const ours = await run(runtime, "graceful", count);
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
  const row = (what: "rss" | "heap"): Row => {
    const ratio = ours[what] / bare[what];
    return {
      measurement: `5 ${what === "rss" ? "RSS" : "heap"} after ${count / 1000}k requests`,
      runtime: runtime.name,
      figure: mb(ours[what]),
      baseline: `${mb(bare[what])} bare`,
      ratio: `${ratio >= 1 ? "+" : ""}${pct(ratio - 1)}`,
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
