// 1b. Added CPU per request: the in-process medians (bench/inproc/cpu.ts) divided by the CPU time per request
// of the bare server under wrk, so that the figure reads as "share of what serving a request costs".
import { runScript, type Runtime } from "../lib/proc.ts";
import { pct, type Row } from "../lib/table.ts";

interface Result {
  ns: Record<string, number>;
  extra: { wrap: number; empty: number; graceful: number; var: number; signal: number; aa: number };
}

export async function cpu(
  runtime: Runtime,
  rounds: number,
  batch: number,
  perRequest: { bare: number; hono: number },
): Promise<Row[]> {
  const { ns, extra } = await runScript<Result>(runtime, "bench/inproc/cpu.ts", [
    String(rounds),
    String(batch),
  ]);
  const row = (measurement: string, added: number, base: string, server: number, target: number): Row => {
    const share = added / (server * 1e9);
    return {
      measurement,
      runtime: runtime.name,
      figure: `+${added.toFixed(0)} ns/req`,
      baseline: `${base}; server ${(server * 1e9).toFixed(0)} ns/req`,
      ratio: `${pct(share)} (A/A ${pct(extra.aa / (server * 1e9))})`,
      target: target === Infinity ? "(info)" : `≤ ${target}%`,
      pass: target === Infinity ? undefined : share <= target / 100,
    };
  };
  return [
    row("1b CPU wrap() over bare", extra.wrap, `bare ${ns.fetch.toFixed(0)} ns`, perRequest.bare, 2),
    row(
      "1b CPU empty middleware over Hono",
      extra.empty,
      `Hono ${ns.hono.toFixed(0)} ns`,
      perRequest.hono,
      Infinity,
    ),
    row(
      "1b CPU graceful() over empty mw",
      extra.graceful,
      `empty ${ns.empty.toFixed(0)} ns`,
      perRequest.hono,
      2,
    ),
    row(
      "1b CPU graceful()+signal over empty",
      extra.signal,
      `empty ${ns.empty.toFixed(0)} ns`,
      perRequest.hono,
      5,
    ),
  ];
}
