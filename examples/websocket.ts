// WebSockets that drain cleanly, the same app on every runtime:
//   deno run -A examples/websocket.ts      (hono/deno)
//   bun examples/websocket.ts              (hono/bun: its handlers go to serve()'s `websocket` option)
//   node examples/websocket.ts             (Node 24 runs TypeScript as is; @hono/node-ws on serve()'s server)
// Connect, e.g. from Node 22+: node -e 'const w = new WebSocket("ws://127.0.0.1:8000/ws");
//   w.onmessage = (e) => console.log(e.data); w.onclose = (e) => console.log("closed", e.code)'
// then Ctrl-C or `kill -TERM <pid>` the server: /ws clients get a "reconnect" message and 1001 Going Away at
// once; /ws/round clients finish their round (up to 2 s) first; a new upgrade while draining gets a 503.
import process from "node:process";
import type { Server } from "node:http";
import { Hono } from "hono";
import type { UpgradeWebSocket } from "hono/ws";
import { createShutdown, detectRuntime, serve } from "../mod.ts";
import { graceful, gracefulUpgrade } from "../src/hono/mod.ts";

const shutdown = createShutdown();
const app = new Hono();
app.use(graceful(shutdown));

// Each runtime's own upgradeWebSocket. Bun's needs its handlers in Bun.serve's `websocket` option; Node's
// needs the node:http server (injectWebSocket, below).
let upgradeWebSocket: UpgradeWebSocket;
let websocket: unknown;
let injectWebSocket: ((server: Server) => void) | undefined;
const runtime = detectRuntime();
if (runtime === "deno") ({ upgradeWebSocket } = await import("hono/deno"));
else if (runtime === "bun") ({ upgradeWebSocket, websocket } = await import("hono/bun"));
else ({ upgradeWebSocket, injectWebSocket } = (await import("@hono/node-ws")).createNodeWebSocket({ app }));

// The default: 1001 "Going Away" as soon as draining starts, after a last message telling the client why.
const upgrade = gracefulUpgrade(shutdown, upgradeWebSocket, {
  beforeClose: (ws) => ws.send(JSON.stringify({ type: "reconnect", after: 1000 })),
});
app.get(
  "/ws",
  upgrade(() => {
    let timer: ReturnType<typeof setInterval> | undefined;
    return {
      onOpen: (_event, ws) => void (timer = setInterval(() => ws.send(new Date().toISOString()), 1000)),
      onMessage: (event, ws) => ws.send(`echo: ${event.data}`),
      onClose: () => clearInterval(timer),
    };
  }),
);

// closeAt "deadline": left open through the drain so that the application finishes its round and closes
// with 1000; only a socket still open when the drain time is over gets the 1001 and is terminated.
const upgradeRound = gracefulUpgrade(shutdown, upgradeWebSocket, { closeAt: "deadline", name: "round" });
app.get(
  "/ws/round",
  upgradeRound(() => ({
    onOpen(_event, ws) {
      ws.send("round started");
      shutdown.signal.addEventListener("abort", () => {
        setTimeout(() => {
          ws.send("round over");
          ws.close(1000, "round over");
        }, 2000);
      }, { once: true });
    },
  })),
);

const served = await serve(app, {
  port: Number(process.env.PORT ?? 8000),
  hostname: process.env.HOST ?? "127.0.0.1",
  shutdown,
  websocket,
  onListen: ({ hostname, port }) => console.log(`listening on ws://${hostname}:${port}/ws (${runtime})`),
});
injectWebSocket?.(served.server as Server);
