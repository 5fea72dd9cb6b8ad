import type { InFlightCounts } from "./in_flight.ts";
import type { Logger, ShutdownReport } from "./types.ts";

const NOUNS: Record<keyof InFlightCounts, [string, string]> = {
  requests: ["request", "requests"],
  streams: ["stream", "streams"],
  webSockets: ["WebSocket", "WebSockets"],
  tasks: ["task", "tasks"],
};

/** @internal `3 requests, 2 tasks`, or `nothing in flight`. */
export function formatCounts(counts: InFlightCounts): string {
  const parts: string[] = [];
  for (const key of Object.keys(NOUNS) as Array<keyof InFlightCounts>) {
    const n = counts[key];
    if (n > 0) parts.push(`${n} ${NOUNS[key][n === 1 ? 0 : 1]}`);
  }
  return parts.length > 0 ? parts.join(", ") : "nothing in flight";
}

/** @internal Logs the report: one summary line, one warning per cut item and per failed hook. */
export function logReport(logger: Logger, report: ShutdownReport): void {
  const finished = formatCounts(report.finished).replace("nothing in flight", "nothing");
  const cut = formatCounts(report.cut).replace("nothing in flight", "nothing");
  const hooks = report.hooks.map((hook) => `${hook.name} ${hook.outcome}`).join(", ") || "none";
  const { closed, terminated } = report.webSockets;
  const webSockets = closed + terminated > 0
    ? `; WebSockets: ${closed} closed, ${terminated} terminated`
    : "";
  const line = `stopped: exit code ${report.exitCode} after ${report.duration} ms; finished ${finished}; ` +
    `refused ${report.refused}; cut ${cut}${webSockets}; hooks: ${hooks}`;
  const data = { phase: "stopped", report };
  if (report.exitCode === 0) logger.info(line, data);
  else logger.warn(line, data);
  for (const item of report.cutItems) {
    logger.warn(`cut: ${item.kind} ${item.label} after ${item.age} ms`, { phase: "stopped", cut: item });
  }
}

/** @internal `1.5 s` or `300 ms`. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
