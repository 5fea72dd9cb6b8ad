// 1b. Added CPU per request, in one process: batches of app.fetch() calls through each variant, the variants
// in a rotating order every round so that a change in the machine's load hits them alike; per round, each
// variant's CPU time per request minus the bare one's; the median over rounds. Prints one JSON line.
// Args: rounds, requests per batch; `--no-context`: the handlers get no runtime context (what `app.request()`,
// edge runtimes and unknown adapters give: the gate then follows the body instead of a completion signal).
import { Hono } from "hono";
import process from "node:process";
import { createShutdown } from "../../mod.ts";
import { graceful } from "../../src/hono/mod.ts";
import { closeContexts, makeContext } from "./context.ts";

const args = process.argv.slice(2).filter((arg) => arg !== "--no-context");
const noContext = args.length < process.argv.length - 2;
const [rounds, batch] = (args.length ? args : ["30", "5000"]).map(Number);
const shutdown = createShutdown({ signals: false, logger: false, exit: false });

type App = (request: Request, env: unknown) => Response | Promise<Response>;
// What the handler reads: nothing; `c.var.shutdown` (Hono's `c.var` copies every variable into a new object
// on each read: Hono's cost, not ours); or its signal.
type Read = "none" | "var" | "signal";
const hono = (setup: (app: Hono) => void, read: Read = "none"): App => {
  // deno-lint-ignore no-explicit-any
  const app = new Hono<any>();
  setup(app);
  app.get("/", (c) => {
    if (read === "var" && c.var.shutdown === undefined) throw new Error("no c.var.shutdown");
    return c.text(read === "signal" && c.var.shutdown.signal.aborted ? "stopping" : "ok");
  });
  return app.fetch;
};
const plain: App = () => new Response("ok");
const variants: Record<string, App> = {
  hono: hono(() => {}),
  empty: hono((app) => app.use(async (_c, next) => void (await next()))),
  graceful: hono((app) => app.use(graceful(shutdown))),
  var: hono((app) => app.use(graceful(shutdown)), "var"),
  signal: hono((app) => app.use(graceful(shutdown)), "signal"),
  fetch: plain,
  wrap: shutdown.wrap(plain),
};
const names = Object.keys(variants);

// One copy of the measuring loop per variant, compiled from source each time: copies of one function literal
// share the JIT's type feedback, so the variants would slow each other's calls down (measured on Deno: wrap()
// over bare read 1 µs in a shared loop, 0.25-0.4 µs in loops of its own).
type Run = (app: App, n: number) => Promise<number>;
const loop = `return async function run(app, n) {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const context = makeContext();
    const response = await app(new Request("http://127.0.0.1/"), context.env);
    if (response.status !== 200) throw new Error("status " + response.status);
    context.sent();
  }
  await new Promise((resolve) => setTimeout(resolve, 0)); // completion callbacks run inside the batch
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / n; // ns per request
}`;
const bare = () => ({ env: undefined, sent() {} });
const runner = (): Run =>
  new Function("makeContext", "process", loop)(noContext ? bare : makeContext, process);
const runs: Record<string, Run> = Object.fromEntries(Object.keys(variants).map((name) => [name, runner()]));

for (const name of names) await runs[name](variants[name], batch); // warm-up: JIT tiers settle first
const perRound: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + round) % names.length];
    perRound[name].push(await runs[name](variants[name], batch));
  }
}
const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
const diff = (a: string, b: string) => median(perRound[a].map((v, i) => v - perRound[b][i]));
console.log(JSON.stringify({
  result: {
    ns: Object.fromEntries(names.map((n) => [n, median(perRound[n])])),
    extra: {
      wrap: diff("wrap", "fetch"),
      empty: diff("empty", "hono"),
      graceful: diff("graceful", "empty"),
      signal: diff("signal", "empty"),
      var: diff("var", "empty"),
      // The A/A floor: one variant's round-to-round spread, as a difference of two of its own halves.
      aa: median(perRound.hono.slice(1).map((v, i) => v - perRound.hono[i])),
    },
  },
}));
closeContexts();
