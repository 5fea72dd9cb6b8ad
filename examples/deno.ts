// Deno's own server with graceful-drain wired in by hand: `deno run -A examples/deno.ts`, then SIGTERM (or
// Ctrl-C) to watch it drain. `serve()` does the same in one call; this shows the two pieces it wires:
// `shutdown.wrap()` gates and counts the handler, `shutdown.attach()` owns the server's stop.
import { createShutdown } from "../mod.ts";

const shutdown = createShutdown();
shutdown.onCleanup(() => console.log("closing the database"), { name: "db" });

// Deno's `info` goes through as the second argument: the gate counts a response until `info.completed`.
const app = shutdown.wrap(async (request: Request, _info: Deno.ServeHandlerInfo) => {
  const { pathname } = new URL(request.url);
  if (pathname === "/") return new Response("hello\n");
  if (pathname === "/slow") {
    await new Promise((resolve) => setTimeout(resolve, 2000)); // in flight at SIGTERM: the drain waits
    return new Response("slow done\n");
  }
  return new Response("not found\n", { status: 404 });
});

const server = Deno.serve({
  port: Number(Deno.env.get("PORT") ?? 8000),
  hostname: Deno.env.get("HOST") ?? "127.0.0.1", // HOST=0.0.0.0 in a container
  onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}`),
}, (request, info) => {
  // Probes go around the gate, so that liveness still answers 200 while new work is refused.
  const { pathname } = new URL(request.url);
  if (pathname === "/ready") return shutdown.readiness(request);
  if (pathname === "/live") return shutdown.liveness(request);
  return app(request, info);
});
shutdown.attach(server);
