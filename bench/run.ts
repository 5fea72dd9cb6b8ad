// `npm run bench`: the six measurements of issue 5 on Deno, Bun and Node 24, one table. Every figure stands
// beside a baseline from the same run (the bare app, the runtime without a handler, an A/A pair), never alone.
// `--quick` is a short smoke run for CI; its exit code reflects the zero-lost check only, because ratios on a
// shared machine are noise at that length. `--only deno,bun` narrows the runtimes.
//
// Usage: node bench/run.ts [--quick] [--only deno,bun,node24,node26]
import process from "node:process";
import { cpu } from "./measure/cpu.ts";
import { memory } from "./measure/memory.ts";
import { scale } from "./measure/scale.ts";
import { stops } from "./measure/stop.ts";
import { throughput } from "./measure/throughput.ts";
import { underLoad } from "./measure/under_load.ts";
import { RUNTIMES, SOURCE_RUNTIMES } from "./lib/proc.ts";
import { printTable, type Row } from "./lib/table.ts";
import { ensureWrk } from "./lib/wrk.ts";
import { placement } from "./lib/cores.ts";

const quick = process.argv.includes("--quick");
const onlyArg = process.argv.indexOf("--only");
const only = onlyArg === -1 ? undefined : process.argv[onlyArg + 1].split(",");
const plan = quick
  ? {
    rounds: 1,
    warmUp: false,
    cpuRounds: 1,
    runs: 1,
    loadSeconds: 0.5,
    requests: 20_000,
    scale: 1000,
    counts: [500, 1000],
  }
  : {
    rounds: 12,
    warmUp: true,
    cpuRounds: 10,
    runs: 5,
    loadSeconds: 1,
    requests: 1_000_000,
    scale: 10_000,
    counts: [1000, 5000, 10_000],
  };

ensureWrk();
const rows: Row[] = [];
const started = performance.now();
for (const runtime of only ? SOURCE_RUNTIMES.filter((r) => only.includes(r.name)) : RUNTIMES) {
  // Each measurement on its own: one that breaks reports its error and the others still run.
  const measure = async (name: string, hard: boolean, fn: () => Promise<Row[]>) => {
    const at = performance.now();
    try {
      rows.push(...await fn());
    } catch (error) {
      rows.push({
        measurement: name,
        runtime: runtime.name,
        figure: `error: ${(error as Error).message.split("\n")[0].slice(0, 80)}`,
        baseline: "",
        ratio: "",
        target: "",
        pass: false,
        hard,
      });
    }
    console.error(`  ${runtime.name} ${name}: ${((performance.now() - at) / 1000).toFixed(1)} s`);
  };
  await measure("1a throughput", false, () => throughput(runtime, plan.rounds, 1, plan.warmUp));
  await measure("1b CPU", false, () => cpu(runtime, plan.cpuRounds, 1));
  await measure("2/3 stops", false, () => stops(runtime, plan.runs));
  await measure("4 under load", true, () => underLoad(runtime, plan.loadSeconds));
  await measure("5 memory", false, () => memory(runtime, plan.requests));
  await measure("6 scale", false, () => scale(runtime, plan.scale, plan.counts));
}
console.log();
printTable(rows);
console.log(
  `\n${quick ? "quick" : "full"} run, ${((performance.now() - started) / 1000).toFixed(0)} s, ${placement}`,
);
// Only the hard checks (no request lost) decide the exit code: a ratio missed on a busy machine is reported,
// not failed.
const failed = rows.filter((r) => r.hard && !r.pass);
if (failed.length > 0) {
  console.error(`FAILED: ${failed.map((r) => `${r.measurement} on ${r.runtime}`).join("; ")}`);
  process.exitCode = 1;
}
