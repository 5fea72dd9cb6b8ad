// 1b. Added CPU per request, in one process, on the runtime's real server: one server per variant (Deno.serve,
// Bun.serve or @hono/node-server, so that handlers get the runtime's own request objects and contexts), each
// loaded in turn by wrk (a separate process: its CPU is not counted), in a rotating order every round so that
// a change in the machine's load hits them alike. Per round, each variant's CPU time per request (this
// process's, every thread) minus its baseline's; the median over rounds. Prints one JSON line.
// Args: rounds, seconds of wrk per variant and round; `--no-context`: the handlers get the request alone (what
// `Deno.serve((request) => app.fetch(request))` or an unknown adapter gives: the gate then follows the body
// instead of the runtime's completion signal).
import { execFile } from "node:child_process";
import { CLIENT_CORE, pinned } from "../lib/cores.ts";
import process from "node:process";
import { Hono } from "hono";
import { createShutdown } from "../../mod.ts";
import { graceful } from "../../src/hono/mod.ts";
import { type RuntimeFetch, startRuntimeServer } from "../lib/runtime_server.ts";

const args = process.argv.slice(2).filter((arg) => arg !== "--no-context");
const noContext = args.length < process.argv.length - 2;
const [rounds, seconds] = (args.length ? args : ["10", "1"]).map(Number);
const shutdown = createShutdown({ signals: false, logger: false, exit: false });

type App = (request: Request, context?: unknown) => Response | Promise<Response>;
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
  hono2: hono(() => {}), // the A/A pair: the same app on a server of its own
  empty: hono((app) => app.use(async (_c, next) => void (await next()))),
  graceful: hono((app) => app.use(graceful(shutdown))),
  var: hono((app) => app.use(graceful(shutdown)), "var"),
  signal: hono((app) => app.use(graceful(shutdown)), "signal"),
  fetch: plain,
  wrap: shutdown.wrap(plain),
};
const names = Object.keys(variants);
const servers = await Promise.all(names.map((name) => {
  const app = variants[name];
  return startRuntimeServer((noContext ? (request: Request) => app(request) : app) as RuntimeFetch);
}));

/** CPU nanoseconds this process spent per request while wrk loaded `port` for `seconds`. */
async function run(port: number): Promise<number> {
  let start!: ReturnType<typeof process.cpuUsage>;
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      // On wrk's own core: this process runs pinned to the servers' one, which a child would inherit.
      ...pinned(CLIENT_CORE, "wrk", ["-t1", "-c32", `-d${seconds}s`, `http://127.0.0.1:${port}/`]),
      (error, out) => error ? reject(error) : resolve(out),
    );
    start = process.cpuUsage(); // after the spawn: starting wrk is not the server's work
  });
  const used = process.cpuUsage(start);
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1]);
  if (!(requests > 0) || /Non-2xx/.test(stdout)) throw new Error(`wrk:\n${stdout}`);
  return ((used.user + used.system) * 1000) / requests;
}

// Warm-up, unmeasured, except in the one-round smoke run: JIT tiers settle first.
if (rounds > 1) { for (const server of servers) await run(server.port); }
const perRound: number[][] = names.map(() => []);
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < names.length; i++) {
    const index = (i + round) % names.length;
    perRound[index].push(await run(servers[index].port));
  }
}
const of = (name: string) => perRound[names.indexOf(name)];
const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
const diff = (a: string, b: string) => median(of(a).map((v, i) => v - of(b)[i]));
console.log(JSON.stringify({
  result: {
    ns: Object.fromEntries(names.map((n) => [n, median(of(n))])),
    extra: {
      wrap: diff("wrap", "fetch"),
      empty: diff("empty", "hono"),
      graceful: diff("graceful", "empty"),
      signal: diff("signal", "empty"),
      var: diff("var", "empty"),
      aa: diff("hono2", "hono"),
    },
  },
}));
await Promise.all(servers.map((server) => server.close()));
