// The drain scenario every consumer project runs (app/app.mjs): a request held in flight at a real SIGTERM,
// a request refused while draining, the exit code and the report, as seen from outside the process.
import assert from "node:assert/strict";
import { Proc } from "../support/process.ts";
import { RawClient, type RawResponse } from "../support/raw_client.ts";

/** What the drain looked like from outside the process. */
export interface DrainOutcome {
  /** `detectRuntime()` inside the app. */
  runtime: string;
  /** The request in flight when SIGTERM arrived. */
  inFlight: RawResponse;
  /** A request sent on a new connection while draining. */
  refused: RawResponse;
  exitCode: number | null;
  report: Record<string, unknown> | undefined;
  stderr: string;
}

/**
 * Starts an entry file of app/ (`command args…` in `cwd`), holds GET /work in flight, sends SIGTERM, sends
 * one more request while draining, releases /work, and collects what the clients saw, the exit code and the
 * report. Every wait is bounded; the process is killed if it is still there at the end.
 */
export async function drain(command: string, args: string[], cwd: string): Promise<DrainOutcome> {
  const app = new Proc(command, args, { cwd, stdin: true, env: { KUBERNETES_SERVICE_HOST: "" } });
  const event = (name: string, ms: number) => app.waitFor((e) => e.event === name, ms, `"${name}"`);
  const clients: RawClient[] = [];
  try {
    const listening = await event("listening", 30_000);
    const port = listening.port as number;
    const connect = async () => {
      const client = await RawClient.connect(port);
      clients.push(client);
      return client;
    };
    const pending = (await connect()).get("/work", 30_000);
    await event("in-flight", 10_000);
    app.kill("SIGTERM");
    await event("wrapping-up", 10_000);
    const refused = await (await connect()).get("/", 10_000);
    app.child.stdin!.end("release\n");
    const inFlight = await pending;
    const exitCode = (await app.exit(20_000)).code;
    const report = app.events.find((e) => e.event === "report")?.report as
      | Record<string, unknown>
      | undefined;
    return { runtime: String(listening.runtime), inFlight, refused, exitCode, report, stderr: app.stderr };
  } finally {
    clients.forEach((client) => client.close());
    app.dispose();
  }
}

/** The drain every consumer must see: the in-flight request finished, the new one refused, exit 0, a clean report. */
export function assertDrained(outcome: DrainOutcome, runtime: string): void {
  const context = `\nstderr: ${outcome.stderr}\nreport: ${JSON.stringify(outcome.report)}`;
  assert.equal(outcome.runtime, runtime, `detectRuntime() inside the app${context}`);
  assert.equal(outcome.inFlight.status, 200, context);
  assert.equal(outcome.inFlight.body, "finished during the drain", context);
  assert.equal(outcome.inFlight.headers.connection, "close", context);
  assert.equal(outcome.refused.status, 503, context);
  assert.ok(outcome.refused.headers["retry-after"], `the refused response has Retry-After${context}`);
  assert.equal(outcome.exitCode, 0, context);
  const report = outcome.report as
    | {
      trigger: string;
      finished: { requests: number };
      refused: number;
      cut: { requests: number };
      hooks: { name: string; outcome: string }[];
      exitCode: number;
    }
    | undefined;
  assert.ok(report, `the app printed its report${context}`);
  assert.equal(report.trigger, "SIGTERM");
  assert.equal(report.finished.requests, 1);
  assert.equal(report.refused, 1);
  assert.equal(report.cut.requests, 0);
  assert.deepEqual(report.hooks.map((h) => [h.name, h.outcome]), [["db", "ok"]]);
  assert.equal(report.exitCode, 0);
}
