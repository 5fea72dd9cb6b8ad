// What a TypeScript user writes against the installed package, type-checked (`tsc --noEmit`, strict) under
// each module resolution a project may use. Never run: the drain itself is tested with the other entry files.
import {
  createShutdown,
  detectRuntime,
  type Runtime,
  serve,
  type Served,
  type Shutdown,
  ShutdownError,
  type ShutdownReport,
} from "graceful-drain";
import { graceful, type GracefulEnv } from "graceful-drain/hono";
import { Hono } from "hono";

const shutdown: Shutdown = createShutdown({ timeout: 8000, delay: 0, logger: false });
shutdown.onCleanup(async () => {}, { name: "db", timeout: 1000 });

const app = new Hono<GracefulEnv>();
app.use(graceful(shutdown));
app.get("/work", (c) => {
  const signal: AbortSignal = c.var.shutdown.signal;
  const deadline: AbortSignal = c.var.shutdown.deadline;
  if (signal.reason instanceof ShutdownError) return c.text("wrapping up", 503);
  return c.json({ phase: shutdown.phase, stopNow: deadline.aborted });
});

const served: Served = await serve(app, { port: 0, hostname: "127.0.0.1", shutdown, readyPath: "/ready" });
const port: number = served.port;
const runtime: Runtime = detectRuntime();
const report: ShutdownReport = await shutdown.done;
const exitCode: number = report.exitCode;
console.log(port, runtime, exitCode);

// The declarations are real types, not `any`: each line below must be an error.
// @ts-expect-error a misspelt option
createShutdown({ timeot: 1000 });
// @ts-expect-error phase is a union of phase names
const phase: number = shutdown.phase;
// @ts-expect-error c.var.shutdown has no such field
app.get("/", (c) => c.text(c.var.shutdown.missing));
void phase;
