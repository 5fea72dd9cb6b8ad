// The app the deployment recipes run (examples/haproxy, docker, kubernetes, supervisor): one file for Deno,
// Bun and Node 24, since serve() picks the runtime's own server.
//   deno run -A examples/app.ts  |  bun examples/app.ts  |  node examples/app.ts
// Settings come from the environment, as a container or a process supervisor passes them:
//   PORT (8000), HOST (127.0.0.1; 0.0.0.0 in a container), DRAIN_DELAY and DRAIN_TIMEOUT in milliseconds
//   (the module's defaults when unset: delay 0 and timeout 8000, or 5000 and 25000 on Kubernetes), and
//   REUSE_PORT=1 for a reload on one host: start the new process on the same port, then SIGTERM the old one
//   (Deno: `deno run -A --unstable-net`; Node 22.12 or later).
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { createShutdown, serve } from "../mod.ts";

const ms = (name: string): number | undefined =>
  process.env[name] === undefined || process.env[name] === "" ? undefined : Number(process.env[name]);

const shutdown = createShutdown({ delay: ms("DRAIN_DELAY"), timeout: ms("DRAIN_TIMEOUT") });

await serve(async (request) => {
  const { pathname, searchParams } = new URL(request.url);
  if (pathname === "/") return new Response(`hello from ${process.pid}\n`);
  if (pathname === "/slow") {
    await sleep(Number(searchParams.get("ms") ?? 1000)); // still in flight at SIGTERM: the drain waits
    return new Response("slow done\n");
  }
  return new Response("not found\n", { status: 404 });
}, {
  port: Number(process.env.PORT ?? 8000),
  hostname: process.env.HOST ?? "127.0.0.1",
  shutdown,
  readyPath: "/ready", // 503 from the signal on: the load balancer takes the instance out
  livePath: "/live", // 200 until stopped: nobody restarts a process that is draining
  reusePort: process.env.REUSE_PORT === "1",
  onListen: ({ hostname, port }) =>
    console.log(`listening on http://${hostname}:${port} (pid ${process.pid})`),
});
