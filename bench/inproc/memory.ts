// 5. Memory: N requests through a Hono app, bare or with graceful() (every other handler reading its
// request's signal: a controller of its own on Deno and Node, the shutdown's own on Bun), then a full GC,
// then RSS and heap. Also counts the listeners left on the shutdown's own AbortSignals. Prints one JSON line.
// Args: bare|graceful, N.
import { Hono } from "hono";
import process from "node:process";
import { createShutdown } from "../../mod.ts";
import { graceful, type GracefulEnv } from "../../src/hono/mod.ts";
import { closeContexts, makeContext } from "./context.ts";

const [variant, count] = [process.argv[2] ?? "graceful", Number(process.argv[3] ?? 1_000_000)];
const shutdown = createShutdown({ signals: false, logger: false, exit: false });

// Listeners on the shutdown's signals, counted by wrapping the methods everyone (AbortSignal.any included,
// where the runtime implements it in JavaScript) registers through.
let listeners = 0;
for (const signal of [shutdown.signal, shutdown.deadline]) {
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = (...args: Parameters<AbortSignal["addEventListener"]>) => {
    listeners++;
    add(...args);
  };
  signal.removeEventListener = (...args: Parameters<AbortSignal["removeEventListener"]>) => {
    listeners--;
    remove(...args);
  };
}

const app = new Hono<GracefulEnv>();
if (variant === "graceful") app.use(graceful(shutdown));
let i = 0;
app.get(
  "/",
  (c) => c.text(variant === "graceful" && i % 2 === 0 && c.var.shutdown.signal.aborted ? "stop" : "ok"),
);

for (i = 0; i < count; i++) {
  const context = makeContext();
  const response = await app.fetch(new Request("http://127.0.0.1/"), context.env);
  await response.arrayBuffer();
  context.sent();
}
await new Promise((resolve) => setTimeout(resolve, 10));
// deno-lint-ignore no-explicit-any
const g = globalThis as any;
for (let n = 0; n < 3; n++) {
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 10));
}
const memory = process.memoryUsage();
console.log(JSON.stringify({
  result: {
    rss: memory.rss,
    heap: memory.heapUsed,
    listeners,
    inFlight: shutdown.inFlight.requests + shutdown.inFlight.streams,
  },
}));
closeContexts();
