// The report `graceful-drain verify` prints: a table per class of clients, the losses by kind, the readiness
// timeline, the exit, and one summary line that scripts can grep.
import type { ClientClass } from "./load.ts";
import type { VerifyResult } from "./verify.ts";

const LABELS: Record<ClientClass, string> = {
  keepAlive: "keep-alive",
  oneShot: "new connection each",
  slow: "slow request",
  stream: "stream",
};
const COLUMNS = ["sent", "completed", "refused", "lost", "served after signal", "in flight at signal"];

/** `+12 ms` or `-3 ms`: a time relative to the signal. */
const at = (ms: number) => `${ms >= 0 ? "+" : ""}${ms} ms`;

/**
 * The last line of the report: `verify: <n> completed, <n> refused, <n> lost, <n> served after the signal;
 * exit <code or signal> after <ms> ms`.
 * @param result What `verify()` returned.
 * @returns The line.
 *
 * @example The summary of a clean drain
 * ```ts
 * import assert from "node:assert/strict";
 * import { summaryLine } from "./report.ts";
 *
 * const line = summaryLine({
 *   totals: { sent: 12, completed: 10, refused: 2, lost: 0, servedAfterSignal: 0 },
 *   exit: { code: 0, signal: null, afterMs: 15, killed: false, beforeSignal: false },
 * });
 * assert.equal(line, "verify: 10 completed, 2 refused, 0 lost, 0 served after the signal; exit 0 after 15 ms");
 * ```
 */
export function summaryLine(result: Pick<VerifyResult, "totals" | "exit">): string {
  const { totals, exit } = result;
  return `verify: ${totals.completed} completed, ${totals.refused} refused, ${totals.lost} lost, ` +
    `${totals.servedAfterSignal} served after the signal; exit ${
      exit.code ?? exit.signal
    } after ${exit.afterMs} ms`;
}

/**
 * The whole report, one line per element, the summary line last.
 * @param result What `verify()` returned.
 * @returns The lines.
 *
 * @example The report of a command that lost requests
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatReport } from "./report.ts";
 *
 * const tally = { sent: 5, completed: 4, refused: 0, refused503: 0, refusedConnections: 0, resetUnread: 0,
 *   lost: 1, lostBy: { eof: 1 }, losses: [], servedAfterSignal: 0, inFlightAtSignal: 1, statuses: { 200: 4 } };
 * const lines = formatReport({
 *   command: ["node", "app.js"], host: "127.0.0.1", port: 8000, signal: "SIGTERM", durationMs: 2000,
 *   timeoutMs: 30000, clients: { keepAlive: tally }, intakeStoppedMs: 2, readiness: null,
 *   totals: { sent: 5, completed: 4, refused: 0, lost: 1, servedAfterSignal: 0 },
 *   exit: { code: 0, signal: null, afterMs: 3, killed: false, beforeSignal: false }, ok: false,
 * });
 * assert.ok(lines.includes("lost: keep-alive 1 (1 eof)"));
 * assert.equal(lines.at(-1), "verify: 4 completed, 0 refused, 1 lost, 0 served after the signal; exit 0 after 3 ms");
 * ```
 */
export function formatReport(result: VerifyResult): string[] {
  const { clients, exit, signal } = result;
  const lines = [
    `graceful-drain verify: ${result.command.join(" ")} on ${result.host}:${result.port}, ` +
    `${signal} after ${result.durationMs} ms of load`,
    "",
  ];
  const rows = Object.entries(clients).map(([name, t]) => [
    LABELS[name as ClientClass],
    ...[t.sent, t.completed, t.refused, t.lost, t.servedAfterSignal, t.inFlightAtSignal].map(String),
  ]);
  const table = [["clients", ...COLUMNS], ...rows];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table) {
    lines.push(row.map((cell, i) => i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])).join("  "));
  }
  lines.push("");

  const losses = Object.entries(clients).filter(([, t]) => t.lost > 0).map(([name, t]) =>
    `${LABELS[name as ClientClass]} ${t.lost} (${
      Object.entries(t.lostBy).map(([reason, n]) => `${n} ${reason}`).join(", ")
    })`
  );
  if (losses.length > 0) lines.push(`lost: ${losses.join("; ")}`);
  const sum = (pick: (t: (typeof clients)[ClientClass] & object) => number) =>
    Object.values(clients).reduce((total, t) => total + pick(t), 0);
  const [http, tcp, unread] = [
    sum((t) => t.refused503),
    sum((t) => t.refusedConnections),
    sum((t) => t.resetUnread),
  ];
  if (http + tcp + unread > 0) {
    lines.push(
      `refused: ${http} with a 503, ${tcp} connections refused, ${unread} new connections reset unread`,
    );
  }
  if (result.readiness) {
    const changes = result.readiness.changes.map((c) => `${c.state} at ${at(c.ms)}`).join(", ");
    lines.push(`readiness ${result.readiness.path}: ${changes || "no answer"}`);
  }
  if (result.intakeStoppedMs !== null) {
    lines.push(
      `intake stopped at ${at(result.intakeStoppedMs)} (the first refusal after the signal)${lead(result)}`,
    );
  }
  if (exit.beforeSignal) {
    lines.push(`the command exited on its own (${exit.code ?? exit.signal}) before the signal was sent`);
  } else if (exit.killed) {
    lines.push(`no exit within ${result.timeoutMs} ms of ${signal} (--timeout): killed with SIGKILL`);
  } else lines.push(`exited (${exit.code ?? exit.signal}) ${exit.afterMs} ms after ${signal}`);
  lines.push(summaryLine(result));
  return lines;
}

/** How intake stopping relates to readiness turning 503: a load balancer needs the 503 first. */
function lead({ readiness, intakeStoppedMs }: VerifyResult): string {
  if (!readiness || intakeStoppedMs === null) return "";
  const unready = readiness.changes.find((c) => c.ms >= 0 && c.state === "503");
  if (!unready) return `; readiness never answered 503: a load balancer cannot see the shutdown coming`;
  const gap = intakeStoppedMs - unready.ms;
  // The probe checks every periodMs: a gap within that is "at the same time".
  if (Math.abs(gap) <= readiness.periodMs) {
    return `, as readiness turned 503 (no delay: a load balancer gets no time to notice)`;
  }
  return gap > 0
    ? `, ${gap} ms after readiness turned 503`
    : `, ${-gap} ms before readiness turned 503: a load balancer still routed traffic here`;
}
