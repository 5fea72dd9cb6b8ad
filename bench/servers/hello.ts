// The benchmark server: one hello-world app on the runtime's own server, in the variant BENCH_MODE names, so
// that every pair compared differs by graceful-drain alone. Prints {"port": N} once listening.
//   bare           fetch handler on Deno.serve / Bun.serve / @hono/node-server (Node's server for fetch apps)
//   wrap           the same handler through serve() (shutdown.wrap() + attach())
//   hono           a Hono app, bare, on the runtime's server
//   hono-empty     the same app with an empty middleware: what any middleware costs in Hono's dispatch
//   hono-graceful  the same app with app.use(graceful(shutdown)), the server attached to the shutdown
//   serve-hono     the same app with app.use(graceful(shutdown)), started by serve(): the recommended way
//   serve-hono-signal  serve-hono whose route reads c.var.shutdown.signal and .deadline
//   serve-hono-get     the same, through c.get("shutdown"): without the object Hono's c.var builds per read
//   serve-hono-plain   the Hono app without graceful(), started by serve() (which gates it on its own), whose
//                  route reads shutdown.signal and .deadline: below Hono's middleware floor
//   express        an Express 5 app on node:http, bare
//   express-attach the same Express app with shutdown.attach(server): the node:http request gate
//   nohandler      bare, and no signal handler at all: the runtime's own SIGTERM exit (idle-stop baseline)
// Routes: "/" answers "ok"; "/?ms=N" answers after N ms (drain tail); "/?wrapup" waits for the shutdown to
// start, then 1 s (scale: every request is in flight at SIGTERM); "/?count" tells how many are in flight.
// With BENCH_MEMORY set (Hono modes), "/memory" runs a full garbage collection and answers the process's RSS
// and heap, the listeners on the shutdown's AbortSignals and the work still in flight (itself excluded).
import { Hono } from "hono";
import { createShutdown, serve } from "../../mod.ts";
import { graceful } from "../../src/hono/mod.ts";
import { type RuntimeFetch, startRuntimeServer } from "../lib/runtime_server.ts";
import { countListeners } from "../../tests/support/listeners.ts";

const env = (name: string): string | undefined =>
  // deno-lint-ignore no-explicit-any
  (globalThis as any).Deno ? (globalThis as any).Deno.env.get(name) : process.env[name];
const mode = env("BENCH_MODE") ?? "bare";
const options = JSON.parse(env("BENCH_OPTIONS") ?? "{}");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const handler = async (request: Request): Promise<Response> => {
  const url = request.url;
  if (url.endsWith("?count")) return new Response(String(shutdown!.inFlight.requests));
  if (url.endsWith("?wrapup")) {
    await new Promise((resolve) => shutdown!.signal.addEventListener("abort", resolve, { once: true }));
    await sleep(1000);
    return new Response("wrapped up");
  }
  const q = url.indexOf("?ms=");
  if (q === -1) return new Response("ok");
  await sleep(Number(url.slice(q + 4)));
  return new Response("slow done");
};
// The synchronous hello path, as most benchmarks of these servers use.
const fetch = (request: Request): Response | Promise<Response> =>
  request.url.includes("?") ? handler(request) : new Response("ok");

const shutdown = ["wrap", "hono-graceful", "express-attach"].includes(mode) || mode.startsWith("serve-hono")
  ? createShutdown({ logger: false, timeout: 20_000, delay: 0, ...options })
  : undefined;

// Counted from before the server starts, so that every listener added and removed is seen.
const listeners = env("BENCH_MEMORY") && shutdown ? countListeners(shutdown) : () => 0;

const hono = new Hono();
if (env("BENCH_MEMORY")) hono.get("/memory", async (c) => c.json(await memoryReport()));
if (["hono-graceful", "serve-hono", "serve-hono-signal", "serve-hono-get"].includes(mode)) {
  hono.use(graceful(shutdown!));
}
if (mode === "hono-empty") hono.use(async (_c, next) => void (await next()));
if (mode === "serve-hono-signal") {
  // deno-lint-ignore no-explicit-any
  hono.get("/", (c: any) => {
    const { signal, deadline } = c.var.shutdown;
    return c.text(signal.aborted || deadline.aborted ? "stopping" : "ok");
  });
} else if (mode === "serve-hono-get") {
  // deno-lint-ignore no-explicit-any
  hono.get("/", (c: any) => {
    const { signal, deadline } = c.get("shutdown");
    return c.text(signal.aborted || deadline.aborted ? "stopping" : "ok");
  });
} else if (mode === "serve-hono-plain") {
  hono.get("/", (c) => c.text(shutdown!.signal.aborted || shutdown!.deadline.aborted ? "stopping" : "ok"));
} else hono.get("/", (c) => (c.req.url.includes("?") ? handler(c.req.raw) : c.text("ok")));

const announce = (port: number) => console.log(JSON.stringify({ port }));

if (mode === "wrap" || mode.startsWith("serve-hono")) {
  const app = mode === "wrap" ? fetch : hono;
  await serve(app, { port: 0, hostname: "127.0.0.1", shutdown, onListen: ({ port }) => announce(port) });
} else if (mode.startsWith("express")) {
  // Loaded only here: Express's module graph would otherwise sit in every other mode's process.
  const { default: express } = await import("express");
  const { createServer } = await import("node:http");
  const app = express();
  app.get("/", (_req: unknown, res: { send(body: string): unknown }) => void res.send("ok"));
  const server = createServer(app);
  if (shutdown) shutdown.attach(server);
  else exitOnSignal();
  server.listen(0, "127.0.0.1", () => announce((server.address() as { port: number }).port));
} else {
  const app = mode === "bare" || mode === "nohandler" ? fetch : hono.fetch;
  const { server, port } = await startRuntimeServer(app as RuntimeFetch);
  announce(port);
  if (shutdown) shutdown.attach(server as Parameters<typeof shutdown.attach>[0]);
  else if (mode !== "nohandler") exitOnSignal();
}

/** After a full garbage collection (the runtime started with it exposed): what the process holds. */
async function memoryReport() {
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  for (let n = 0; n < 3; n++) {
    if (g.Bun) g.Bun.gc(true);
    else g.gc();
    await sleep(10);
  }
  const { rss, heapUsed } = process.memoryUsage();
  const inFlight = shutdown ? shutdown.inFlight.requests + shutdown.inFlight.streams - 1 : 0;
  return { rss, heap: heapUsed, listeners: listeners(), inFlight, newSpace: await newSpaceSize() };
}

/** V8's young generation as reserved now (Node and Deno; undefined on Bun): RSS outside the heap's live bytes. */
async function newSpaceSize(): Promise<number | undefined> {
  // deno-lint-ignore no-explicit-any
  if ((globalThis as any).Bun) return undefined;
  const { getHeapSpaceStatistics } = await import("node:v8");
  return getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size;
}

/** A bare server still exits on SIGTERM like a real one would, with a handler that does nothing else. */
function exitOnSignal(): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    // deno-lint-ignore no-explicit-any
    const g = globalThis as any;
    if (g.Deno) g.Deno.addSignalListener(signal, () => g.Deno.exit(0));
    else process.on(signal, () => process.exit(0));
  }
}
