// 4. Shutdown under load: 64 keep-alive clients at full speed, SIGTERM mid-run. Counts what each request
// became (answered, refused, lost), beside the bare server killed the same way; compares the p99 latency
// of the requests completed (200) after SIGTERM with those completed in the second before it. Refusals are
// left out of both: a 503 on the new connection a client opens after `Connection: close` is quick work, but it
// includes the connection's setup, so it measured 3-10 ms beside the ~1 ms of a keep-alive request.
import { Load, type Outcome } from "../lib/load.ts";
import { type Runtime, startServer } from "../lib/proc.ts";
import { percentile } from "../lib/stats.ts";
import type { Row } from "../lib/table.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(runtime: Runtime, mode: string, seconds: number) {
  const { child, port } = await startServer(runtime, mode);
  const load = new Load(port, 64);
  await sleep(seconds * 1000);
  const signalled = performance.now();
  child.kill("SIGTERM");
  await child.exit(30_000);
  await load.stop();
  const window = (from: number, to: number, outcomes: Outcome[]) =>
    outcomes.filter((o) => o.status === 200 && o.done >= from && o.done < to).map((o) => o.done - o.sent);
  const during = window(signalled, Infinity, load.outcomes);
  return {
    lost: load.lost,
    completed: load.outcomes.filter((o) => o.status === 200).length,
    refused: load.outcomes.filter((o) => o.status === 503).length + load.refusedConnections,
    before: percentile(window(signalled - 1000, signalled, load.outcomes), 99),
    during: percentile(during, 99),
    samples: during.length,
    stderr: child.stderr,
  };
}

export async function underLoad(runtime: Runtime, seconds: number): Promise<Row[]> {
  const bare = await run(runtime, "bare", seconds);
  const ours = await run(runtime, "wrap", seconds);
  const p99 = ours.during / ours.before;
  return [
    {
      measurement: "4 under load: requests lost",
      runtime: runtime.name,
      figure: `${ours.lost} lost (${ours.completed} ok, ${ours.refused} refused)`,
      baseline: `${bare.lost} lost bare`,
      ratio: "—",
      target: "0 lost",
      pass: ours.lost === 0,
      hard: true,
    },
    {
      measurement: "4 under load: p99 drain/before",
      runtime: runtime.name,
      figure: `${ours.during.toFixed(2)} ms (${ours.samples} completed)`,
      baseline: `${ours.before.toFixed(2)} ms before`,
      ratio: p99.toFixed(2),
      target: "≤ 1.2",
      pass: p99 <= 1.2,
    },
  ];
}
