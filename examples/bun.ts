// Bun's own server with graceful-drain wired in by hand: `bun examples/bun.ts`, then SIGTERM (or Ctrl-C) to
// watch it drain. `serve()` does the same in one call; this shows the two pieces it wires:
// `shutdown.wrap()` gates and counts the handler, `shutdown.attach()` owns the server's stop.
import { createShutdown } from "../mod.ts";

const shutdown = createShutdown();
shutdown.onCleanup(() => console.log("closing the database"), { name: "db" });

// The server goes through as the second argument: the gate needs it on Bun (idle timeouts, body counting).
const app = shutdown.wrap(async (request: Request, _server: unknown) => {
  const { pathname } = new URL(request.url);
  if (pathname === "/") return new Response("hello\n");
  if (pathname === "/slow") {
    await Bun.sleep(2000); // in flight at SIGTERM: the drain waits
    return new Response("slow done\n");
  }
  return new Response("not found\n", { status: 404 });
});

const server = Bun.serve({
  port: Number(process.env.PORT ?? 8000),
  hostname: process.env.HOST ?? "127.0.0.1", // HOST=0.0.0.0 in a container
  fetch(request, bunServer) {
    // Probes go around the gate, so that liveness still answers 200 while new work is refused.
    const { pathname } = new URL(request.url);
    if (pathname === "/ready") return shutdown.readiness(request);
    if (pathname === "/live") return shutdown.liveness(request);
    return app(request, bunServer);
  },
});
shutdown.attach(server);
console.log(`listening on http://${server.hostname}:${server.port}`);
