// 6. Scale: N requests in flight at SIGTERM on N keep-alive connections, each finishing 1 s after the
// shutdown began; the exit must follow the last response at once. Then the bookkeeping's CPU per request at
// growing N, in process (bench/inproc/scale.ts), which stays flat when the bookkeeping is linear.
import { Load } from "../lib/load.ts";
import { runScript, type Runtime, startServer } from "../lib/proc.ts";
import { ms, pct, type Row } from "../lib/table.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function inFlight(port: number): Promise<number> {
  const load = new Load(port, 1, "/?count", false);
  await load.finished();
  return Number(load.bodies[0]) - 1; // the count request itself
}

export async function scale(runtime: Runtime, n: number, counts: number[]): Promise<Row[]> {
  const { child, port } = await startServer(runtime, "wrap");
  const loads: Load[] = [];
  let signalled = 0;
  try {
    // Connect in batches: a burst of 10k SYNs overflows the listen backlog and the kernel retries after 1 s.
    for (let opened = 0; opened < n; opened += 500) {
      const load = new Load(port, Math.min(500, n - opened), "/?wrapup", false);
      loads.push(load);
      await load.ready;
    }
    for (const deadline = performance.now() + 60_000; (await inFlight(port)) < n;) {
      if (performance.now() > deadline) throw new Error(`scale: fewer than ${n} requests reached the server`);
      await sleep(100);
    }
    signalled = performance.now();
    child.kill("SIGTERM");
    await Promise.all(loads.map((load) => load.finished()));
  } finally {
    if (!signalled) await child.dispose();
  }
  const exit = (await child.exit(30_000)).at;
  const outcomes = loads.flatMap((load) => load.outcomes);
  const ok = outcomes.filter((o) => o.status === 200).length;
  const lost = loads.reduce((sum, load) => sum + load.lost, 0);
  const last = Math.max(...outcomes.map((o) => o.done));
  const perCount = await runScript<Record<string, { extra: number; bare: number }>>(
    runtime,
    "bench/inproc/scale.ts",
    counts.map(String),
  );
  const share = (count: number) => perCount[count].extra / perCount[count].bare;
  // A ratio over a first share at or below zero (within the noise) would read as "flat" whatever follows.
  const measurable = share(counts[0]) > 0;
  const growth = share(counts.at(-1)!) / share(counts[0]);
  return [
    {
      measurement: `6 scale: ${n / 1000}k in flight, last response → exit`,
      runtime: runtime.name,
      figure: ms(exit - last),
      baseline: `SIGTERM → exit ${ms(exit - signalled)}; ${ok} ok, ${lost} lost`,
      ratio: `handlers' 1000 ms + ${ms(exit - signalled - 1000)}`,
      target: "≤ 100 ms",
      pass: exit - last <= 100 && ok === n,
    },
    {
      measurement: "6 bookkeeping CPU per request by count",
      runtime: runtime.name,
      figure: counts.map((c) => `${c / 1000}k: +${perCount[c].extra.toFixed(0)} ns`).join(", "),
      baseline: `bare ${counts.map((c) => perCount[c].bare.toFixed(0)).join(", ")} ns`,
      ratio: `share ${counts.map((c) => pct(share(c))).join(", ")}: ${
        measurable ? `${growth.toFixed(2)}×` : "first within noise"
      }`,
      target: "share ≤ 1.5× (flat)",
      pass: measurable && growth <= 1.5,
    },
  ];
}
