// The one table every measurement reports into: figure beside its same-run baseline, never a bare absolute.

export interface Row {
  measurement: string;
  runtime: string;
  figure: string;
  baseline: string;
  /** figure / baseline, or the difference, as the target is stated. */
  ratio: string;
  target: string;
  pass: boolean | undefined;
  /** Gates the exit code (only the zero-lost check does, so that noise never fails a run). */
  hard?: boolean;
}

export function printTable(rows: Row[]): void {
  const head = ["measurement", "runtime", "figure", "baseline", "ratio", "target", "result"];
  const cells = rows.map((r) => [
    r.measurement,
    r.runtime,
    r.figure,
    r.baseline,
    r.ratio,
    r.target,
    r.pass === undefined ? "—" : r.pass ? "pass" : "MISS",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((s, i) => s.padEnd(widths[i])).join(" | ")} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const c of cells) console.log(line(c));
}

export const ms = (value: number): string => `${value.toFixed(1)} ms`;
export const pct = (value: number): string => `${(value * 100).toFixed(1)}%`;
