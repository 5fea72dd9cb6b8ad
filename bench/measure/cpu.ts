// 1b. Added CPU per request, as diagnosis: the in-process medians (bench/inproc/cpu.ts: every variant on the
// runtime's real server in one process, loaded by wrk), each as a share of its baseline's CPU per request.
import { runScript, type Runtime } from "../lib/proc.ts";
import { pct, type Row } from "../lib/table.ts";

interface Result {
  ns: Record<string, number>;
  extra: { wrap: number; empty: number; graceful: number; var: number; signal: number; aa: number };
}

export async function cpu(runtime: Runtime, rounds: number, seconds: number): Promise<Row[]> {
  const { ns, extra } = await runScript<Result>(runtime, "bench/inproc/cpu.ts", [
    String(rounds),
    String(seconds),
  ]);
  const row = (measurement: string, added: number, base: string, target: number): Row => {
    const share = added / ns[base];
    return {
      measurement,
      runtime: runtime.name,
      figure: `${added >= 0 ? "+" : ""}${added.toFixed(0)} ns/req`,
      baseline: `${base} ${ns[base].toFixed(0)} ns/req`,
      ratio: `${pct(share)} (A/A ${pct(extra.aa / ns.hono)})`,
      target: target === Infinity ? "(info)" : `≤ ${target}%`,
      // The one-round smoke run has no spread to judge by: reported, not judged.
      pass: target === Infinity || rounds < 3 ? undefined : share <= target / 100,
    };
  };
  return [
    row("1b CPU wrap() over bare", extra.wrap, "fetch", 2),
    row("1b CPU empty middleware over Hono", extra.empty, "hono", Infinity),
    row("1b CPU graceful() over empty mw", extra.graceful, "empty", 2),
    row("1b CPU graceful()+c.var over empty", extra.var, "empty", Infinity),
    row("1b CPU graceful()+signal over empty", extra.signal, "empty", 5),
  ];
}
