// A plain fetch handler on Node (24+, which runs TypeScript as is): `node examples/node.ts`, then SIGTERM
// (or Ctrl-C) to watch it drain. serve() runs it on @hono/node-server, loaded only on Node.
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { createShutdown, serve } from "../mod.ts";

const shutdown = createShutdown();
shutdown.onCleanup(() => console.log("closing the database"), { name: "db" });

await serve(async (request) => {
  const { pathname } = new URL(request.url);
  if (pathname === "/") return new Response("hello\n");
  if (pathname === "/slow") {
    await sleep(2000); // in flight when SIGTERM arrives: the drain waits for it
    return new Response("slow done\n");
  }
  return new Response("not found\n", { status: 404 });
}, {
  port: Number(process.env.PORT ?? 8000),
  hostname: process.env.HOST ?? "127.0.0.1", // HOST=0.0.0.0 in a container
  shutdown,
  readyPath: "/ready", // 503 from the first signal on: load balancers stop sending
  livePath: "/live",
  onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}`),
});
