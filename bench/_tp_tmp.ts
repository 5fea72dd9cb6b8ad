import { throughput } from "./measure/throughput.ts";
import { SOURCE_RUNTIMES } from "./lib/proc.ts";
import { printTable } from "./lib/table.ts";
const [names, rounds, seconds] = [
  process.argv[2].split(","),
  Number(process.argv[3] ?? 4),
  Number(process.argv[4] ?? 1),
];
const rows = [];
for (const r of SOURCE_RUNTIMES.filter((r) => names.includes(r.name))) {
  rows.push(...(await throughput(r, rounds, seconds, true)).rows);
}
printTable(rows);
