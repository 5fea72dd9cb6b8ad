// 1a. Overhead end to end: req/s with graceful-drain over req/s of the same app bare, from wrk, in alternating
// A/B rounds so that a drift in the machine's load hits both sides alike; the median of the per-round ratios,
// beside an A/A pair (bare against a second bare) whose spread is the noise floor of this run.
import type { Proc } from "../../tests/support/process.ts";
import { cpuSeconds, type Runtime, startServer } from "../lib/proc.ts";
import { median } from "../lib/stats.ts";
import type { Row } from "../lib/table.ts";
import { wrk } from "../lib/wrk.ts";

interface Side {
  child: Proc;
  port: number;
  requests: number;
  cpu: number;
  rps: number[];
}

/** Each pair: the baseline, the variant, the row's name and the target ratio (undefined: within the A/A floor). */
const PAIRS: Array<{ base: string; variant: string; measurement: string; target?: number }> = [
  { base: "bare", variant: "wrap", measurement: "1a req/s serve(fetch) vs bare fetch", target: 0.98 },
  { base: "hono", variant: "hono-empty", measurement: "1a req/s Hono+empty mw vs Hono (Hono's floor)" },
  {
    base: "hono",
    variant: "serve-hono",
    measurement: "1a req/s serve(Hono+graceful()) vs bare Hono",
    target: 0.95,
  },
  {
    base: "hono",
    variant: "serve-hono-plain",
    measurement: "1a req/s serve(Hono), no graceful(), reading shutdown.signal vs bare Hono",
    target: 0.95,
  },
  { base: "hono", variant: "hono-graceful", measurement: "1a req/s Hono+graceful()+attach() vs bare Hono" },
  {
    base: "serve-hono",
    variant: "serve-hono-signal",
    measurement: "1a req/s route reading c.var.shutdown.signal+deadline vs not",
    target: 0.97,
  },
  {
    base: "serve-hono",
    variant: "serve-hono-get",
    measurement: '1a req/s route reading c.get("shutdown").signal+deadline vs not',
    target: 0.97,
  },
  { base: "express", variant: "express-attach", measurement: "1a req/s Express+attach() vs bare Express" },
];

/**
 * Two server processes per mode, used in alternate rounds: two processes of the same build differ by a few
 * percent for the whole of their lives (JIT decisions, where the kernel put their memory), which one process
 * per side would report as the variant's cost.
 */
const PROCESSES = 2;

export async function throughput(
  runtime: Runtime,
  rounds: number,
  seconds: number,
  warmUp = true,
): Promise<Row[]> {
  const modes = ["bare", "bare", ...new Set(PAIRS.flatMap((p) => [p.base, p.variant]))].filter((m, i) =>
    i < 2 || m !== "bare"
  );
  const sides = new Map<string, Side[]>();
  const aaSides: Side[] = [];
  const all: Side[] = [];
  try {
    for (const [i, mode] of modes.entries()) {
      const group: Side[] = [];
      for (let n = 0; n < PROCESSES; n++) {
        const { child, port } = await startServer(runtime, mode);
        const side = { child, port, requests: 0, cpu: 0, rps: [] };
        group.push(side);
        all.push(side);
      }
      if (i === 1) aaSides.push(...group);
      else sides.set(mode, group);
    }
    const bare = sides.get("bare")!;
    const pairs: Array<[Side[], Side[]]> = [
      [bare, aaSides],
      ...PAIRS.map((p): [Side[], Side[]] => [sides.get(p.base)!, sides.get(p.variant)!]),
    ];
    const ratios: number[][] = pairs.map(() => []);
    // One unmeasured warm-up each: JIT tiers and the runtimes' buffer pools settle first.
    if (warmUp) { for (const side of all) await wrk(side.port, 1, 32); }
    for (let round = 0; round < rounds; round++) {
      for (const [i, [a, b]] of pairs.entries()) {
        // Each side's processes in turn, crossed between rounds: a pair is never the same two processes in
        // a row.
        const [sideA, sideB] = [a[round % PROCESSES], b[Math.floor(round / PROCESSES) % PROCESSES]];
        const order = round % 2 === 0 ? [sideA, sideB] : [sideB, sideA];
        const rate = new Map<Side, number>();
        for (const side of order) {
          const before = cpuSeconds(side.child);
          const { requests, rps } = await wrk(side.port, seconds, 32);
          side.cpu += cpuSeconds(side.child) - before;
          side.requests += requests;
          side.rps.push(rps);
          rate.set(side, rps);
        }
        ratios[i].push(rate.get(sideB)! / rate.get(sideA)!);
      }
    }
    const [aaRatios, ...pairRatios] = ratios;
    const aa = median(aaRatios);
    const floor = Math.min(...aaRatios);
    const spread = `A/A ${aa.toFixed(2)} (${floor.toFixed(2)}–${Math.max(...aaRatios).toFixed(2)})`;
    const k = (group: Side[]) => `${(median(group.flatMap((side) => side.rps)) / 1000).toFixed(1)}k req/s`;
    // CPU per request beside the rate: on a shared machine it moves less than req/s does.
    const cpuPerRequest = (group: Side[]) =>
      group.reduce((sum, side) => sum + side.cpu, 0) / group.reduce((sum, side) => sum + side.requests, 0);
    const rows = PAIRS.map((pair, i): Row => {
      const [base, side] = pairs[i + 1];
      const ratio = median(pairRatios[i]);
      return {
        measurement: pair.measurement,
        runtime: runtime.name,
        figure: k(side),
        baseline: `${k(base)} ${pair.base}`,
        ratio: `${ratio.toFixed(2)} (CPU/req ×${
          (cpuPerRequest(side) / cpuPerRequest(base)).toFixed(2)
        }), ${spread}`,
        target: pair.target === undefined ? "≥ A/A low" : `≥ ${pair.target}`,
        // One A/A round has no spread to judge by (the --quick run): reported, not judged.
        pass: rounds < 3 ? undefined : ratio >= (pair.target ?? floor),
      };
    });
    return rows;
  } finally {
    await Promise.all(all.map((side) => side.child.dispose()));
  }
}
