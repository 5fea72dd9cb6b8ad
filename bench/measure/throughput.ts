// 1a. Overhead end to end: req/s with graceful-drain over req/s of the same app bare, from wrk, in alternating
// A/B rounds so that a drift in the machine's load hits both sides alike; the median of the per-round ratios,
// beside an A/A pair (bare against a second bare) whose spread is the noise floor of this run.
import type { Proc } from "../../tests/support/process.ts";
import { cpuSeconds, type Runtime, startServer } from "../lib/proc.ts";
import { median } from "../lib/stats.ts";
import type { Row } from "../lib/table.ts";
import { wrk } from "../lib/wrk.ts";

export interface ThroughputResult {
  rows: Row[];
  /** CPU seconds per request of the bare servers under wrk: the denominator of the CPU measurement. */
  cpuPerRequest: { bare: number; hono: number };
}

interface Side {
  child: Proc;
  port: number;
  requests: number;
  cpu: number;
  rps: number[];
}

export async function throughput(
  runtime: Runtime,
  rounds: number,
  seconds: number,
  warmUp = true,
): Promise<ThroughputResult> {
  const modes = ["bare", "bare", "wrap", "hono", "hono-graceful", "hono-empty"];
  const sides: Side[] = [];
  try {
    for (const mode of modes) {
      const { child, port } = await startServer(runtime, mode);
      sides.push({ child, port, requests: 0, cpu: 0, rps: [] });
    }
    const [bare, bare2, wrapped, hono, honoGraceful, honoEmpty] = sides;
    const pairs: Array<[Side, Side]> = [
      [bare, bare2],
      [bare, wrapped],
      [hono, honoGraceful],
      [honoEmpty, honoGraceful],
    ];
    const ratios: number[][] = pairs.map(() => []);
    // One unmeasured warm-up each: JIT tiers and the runtimes' buffer pools settle first.
    if (warmUp) { for (const side of sides) await wrk(side.port, 1, 32); }
    for (let round = 0; round < rounds; round++) {
      for (const [i, [a, b]] of pairs.entries()) {
        const order = round % 2 === 0 ? [a, b] : [b, a];
        const rate = new Map<Side, number>();
        for (const side of order) {
          const before = cpuSeconds(side.child);
          const { requests, rps } = await wrk(side.port, seconds, 32);
          side.cpu += cpuSeconds(side.child) - before;
          side.requests += requests;
          side.rps.push(rps);
          rate.set(side, rps);
        }
        ratios[i].push(rate.get(b)! / rate.get(a)!);
      }
    }
    const [aa, wrapRatio, honoRatio, beyondEmpty] = ratios.map(median);
    const floor = Math.min(...ratios[0]);
    const spread = `A/A ${aa.toFixed(2)} (${floor.toFixed(2)}–${Math.max(...ratios[0]).toFixed(2)})`;
    const k = (values: number[]) => `${(median(values) / 1000).toFixed(1)}k req/s`;
    const row = (measurement: string, side: Side, base: Side, ratio: number, what = "bare"): Row => ({
      measurement,
      runtime: runtime.name,
      figure: k(side.rps),
      baseline: `${k(base.rps)} ${what}`,
      ratio: `${ratio.toFixed(2)}, ${spread}`,
      target: "≥ A/A low",
      // One A/A round has no spread to judge by (the --quick run): reported, not judged.
      pass: rounds < 3 ? undefined : ratio >= floor,
    });
    return {
      rows: [
        row("1a req/s serve() vs bare", wrapped, bare, wrapRatio),
        row("1a req/s Hono+graceful() vs Hono", honoGraceful, hono, honoRatio),
        row("1a req/s Hono+graceful() vs Hono+empty mw", honoGraceful, honoEmpty, beyondEmpty, "empty mw"),
      ],
      cpuPerRequest: { bare: bare.cpu / bare.requests, hono: hono.cpu / hono.requests },
    };
  } finally {
    await Promise.all(sides.map((side) => side.child.dispose()));
  }
}
