import type { CutItem, InFlightCounts } from "./in_flight.ts";
import { SIGNAL_NUMBERS } from "./signal_numbers.ts";
import type { HookResult, ShutdownReport } from "../report.ts";
import type { Logger, Phase } from "../types.ts";

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

/** @internal `1.5 s` or `300 ms`; never below `0 ms`. */
export function formatMs(ms: number): string {
  if (!(ms > 0)) return "0 ms";
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/**
 * @internal An Error as a plain `{ name, message, stack }`, which `JSON.stringify` keeps (an Error's own
 * properties are not enumerable: it serialises to `{}`); any other reason as it is.
 */
export function plainReason(reason: unknown): unknown {
  if (!(reason instanceof Error)) return reason;
  return { name: reason.name, message: reason.message, stack: reason.stack };
}

/** @internal What the lifecycle knows when it stops, from which the report is built. */
export interface StopFacts {
  trigger: string;
  reason?: unknown;
  /** Each phase's start, in ms after the trigger. */
  phaseTimes: Partial<Record<Phase, number>>;
  finished: InFlightCounts;
  refused: number;
  cutItems: CutItem[];
  failedTasks: number;
  hooks: HookResult[];
  forced: boolean;
  uncaught: boolean;
  secondSignal?: string;
}

/** @internal What the lifecycle records of how a shutdown began and ended. */
export type TriggerFacts = Pick<StopFacts, "trigger" | "reason" | "uncaught" | "secondSignal">;

/**
 * @internal The report, with the documented exit code: 128 + n after a second signal n; else 1 when
 * anything was cut, a hook failed, timed out or was skipped, a task failed, or the trigger was an uncaught
 * error; else 0.
 */
export function buildReport(facts: StopFacts): ShutdownReport {
  const cut = { requests: 0, streams: 0, webSockets: 0, tasks: 0 };
  for (const item of facts.cutItems) cut[item.kind]++;
  // A hook skipped for want of time never ran: what it would have closed or flushed was not.
  const failedHooks = facts.hooks.some((hook) => hook.outcome !== "ok");
  const exitCode = facts.secondSignal
    ? 128 + (SIGNAL_NUMBERS[facts.secondSignal] ?? 0)
    : facts.cutItems.length > 0 || failedHooks || facts.failedTasks > 0 || facts.uncaught
    ? 1
    : 0;
  const times = facts.phaseTimes;
  return {
    trigger: facts.trigger,
    reason: plainReason(facts.reason),
    phases: {
      ...(times.unready === undefined ? {} : { unready: times.unready }),
      draining: times.draining ?? times.stopped ?? 0,
      cleanup: times.cleanup ?? times.stopped ?? 0,
      stopped: times.stopped ?? 0,
    },
    duration: times.stopped ?? 0,
    finished: facts.finished,
    refused: facts.refused,
    cut,
    webSockets: { closed: facts.finished.webSockets, terminated: cut.webSockets },
    cutItems: facts.cutItems,
    failedTasks: facts.failedTasks,
    hooks: facts.hooks,
    forced: facts.forced,
    exitCode,
  };
}
