// The drain scenario every consumer project runs (app/app.mjs): a request held in flight at a real SIGTERM,
// a request refused while draining, the exit code and the report, as seen from outside the process.
import { type ChildProcess, spawn } from "node:child_process";
import assert from "node:assert/strict";
import { RawClient, type RawResponse } from "../e2e/_client.ts";

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
  const child = spawn(command, args, {
    cwd,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, KUBERNETES_SERVICE_HOST: "" },
  });
  const app = new AppProcess(child);
  const clients: RawClient[] = [];
  try {
    const listening = await app.waitFor("listening", 30_000);
    const port = listening.port as number;
    const connect = async () => {
      const client = await RawClient.connect(port);
      clients.push(client);
      return client;
    };
    const pending = (await connect()).get("/work", 30_000);
    await app.waitFor("in-flight", 10_000);
    child.kill("SIGTERM");
    await app.waitFor("wrapping-up", 10_000);
    const refused = await (await connect()).get("/", 10_000);
    child.stdin!.end("release\n");
    const inFlight = await pending;
    const exitCode = await app.exit(20_000);
    const report = app.events.find((e) => e.event === "report")?.report as
      | Record<string, unknown>
      | undefined;
    return { runtime: String(listening.runtime), inFlight, refused, exitCode, report, stderr: app.stderr };
  } finally {
    clients.forEach((client) => client.close());
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

/** The app's JSON lines, as they arrive. */
class AppProcess {
  readonly events: Record<string, unknown>[] = [];
  stderr = "";
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #wake = new Set<() => void>();

  constructor(child: ChildProcess) {
    this.#child = child;
    let partial = "";
    child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      for (const line of lines.filter((l) => l.trim())) {
        try {
          this.events.push(JSON.parse(line));
        } catch {
          this.events.push({ event: "text", line });
        }
      }
      this.#wake.forEach((wake) => wake());
    });
    child.stderr!.setEncoding("utf8").on("data", (text: string) => void (this.stderr += text));
    this.#exited = new Promise((resolve) =>
      child.on("exit", (code) => {
        resolve(code);
        this.#wake.forEach((wake) => wake());
      })
    );
  }

  waitFor(event: string, ms: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find((e) => e.event === event);
        const gone = this.#child.exitCode !== null || this.#child.signalCode !== null;
        if (!found && !gone) return;
        clearTimeout(timer);
        this.#wake.delete(check);
        if (found) resolve(found);
        else reject(new Error(`the app exited before "${event}"${this.#context()}`));
      };
      const timer = setTimeout(() => {
        this.#wake.delete(check);
        reject(new Error(`no "${event}" within ${ms} ms${this.#context()}`));
      }, ms);
      this.#wake.add(check);
      check();
    });
  }

  async exit(ms: number): Promise<number | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the app did not exit within ${ms} ms${this.#context()}`)),
        ms,
      );
    });
    try {
      return await Promise.race([this.#exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #context(): string {
    return `\nstderr: ${this.stderr}\nevents: ${JSON.stringify(this.events)}`;
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
