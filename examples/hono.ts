// A Hono app with graceful(): runs as written on all three runtimes (`node examples/hono.ts`,
// `deno run -A examples/hono.ts`, `bun examples/hono.ts`). Handlers read `c.var.shutdown.signal` to wrap
// up long work and to end an SSE stream cleanly instead of having it cut at the deadline.
import process from "node:process";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { createShutdown, serve } from "../mod.ts";
import { graceful, type GracefulEnv } from "../src/hono/mod.ts";

const shutdown = createShutdown();
shutdown.onCleanup(() => console.log("closing the database"), { name: "db" });

/** Resolves after `ms`, or early (false) once `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const done = (finished: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(finished);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

const app = new Hono<GracefulEnv>();
app.use(graceful(shutdown)); // first: refuses new work while draining, counts what it admitted

app.get("/", (c) => c.text("hello\n"));

// Two seconds of work in steps: when the shutdown starts it answers with what it has rather than making
// the drain wait for the rest.
app.get("/slow", async (c) => {
  const steps = 20;
  for (let step = 0; step < steps; step++) {
    if (!(await sleep(100, c.var.shutdown.signal))) {
      return c.text(`partial: ${step}/${steps} steps, wrapped up for the shutdown\n`);
    }
  }
  return c.text(`done: ${steps}/${steps} steps\n`);
});

// An endless stream: without the signal it would only end when cut at the deadline (exit code 1). On
// abort it tells the client why (so an EventSource reconnects elsewhere) and ends, letting the drain finish.
app.get("/events", (c) =>
  streamSSE(c, async (stream) => {
    const signal = c.var.shutdown.signal;
    for (let id = 0; await sleep(200, signal); id++) {
      await stream.writeSSE({ event: "tick", id: String(id), data: new Date().toISOString() });
    }
    if (!stream.aborted) await stream.writeSSE({ event: "shutdown", data: "server is shutting down" });
  }));

await serve(app, {
  port: Number(process.env.PORT ?? 8000),
  hostname: process.env.HOST ?? "127.0.0.1", // HOST=0.0.0.0 in a container
  shutdown,
  readyPath: "/ready",
  livePath: "/live",
  onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}`),
});
