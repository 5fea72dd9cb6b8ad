// Server-Sent Events that end cleanly on shutdown, the same app on every runtime:
//   deno run -A examples/sse.ts   |   bun examples/sse.ts   |   node examples/sse.ts (Node 24)
// Watch a stream with `curl -N http://127.0.0.1:8000/events` (or /plain), then Ctrl-C or `kill -TERM <pid>`
// the server: each stream gets its last whole event, then `event: shutdown` with a `retry:` hint (an
// EventSource reconnects after it, to another instance), and ends; the process exits at once, code 0.
import process from "node:process";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { createShutdown, drainSSEStream, serve } from "../mod.ts";
import { drainSSE, graceful, type GracefulEnv } from "../src/hono/mod.ts";

const shutdown = createShutdown();
const app = new Hono<GracefulEnv>();
app.use(graceful(shutdown));

// Hono's streamSSE: drainSSE ends the stream when the shutdown starts (or the client leaves); the loop
// stops with it, and awaiting it keeps the callback, and so the stream, open until then.
app.get("/events", (c) =>
  streamSSE(c, async (stream) => {
    const ended = drainSSE(stream, c.var.shutdown.signal, { retry: 2000 });
    for (let id = 0; !stream.closed && !stream.aborted; id++) {
      await stream.writeSSE({ event: "tick", id: String(id), data: new Date().toISOString() });
      await stream.sleep(1000);
    }
    await ended;
  }));

// Any ReadableStream of SSE text: drainSSEStream passes it through and ends it between two events.
app.get("/plain", () => {
  let timer: ReturnType<typeof setInterval> | undefined;
  const ticks = new ReadableStream<string>({
    start(controller) {
      timer = setInterval(
        () => controller.enqueue(`event: tick\ndata: ${new Date().toISOString()}\n\n`),
        1000,
      );
    },
    cancel: () => clearInterval(timer), // called when the shutdown (or the client) ends the stream
  });
  return new Response(drainSSEStream(ticks, shutdown.signal, { retry: 2000 }), {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
});

await serve(app, {
  port: Number(process.env.PORT ?? 8000),
  hostname: process.env.HOST ?? "127.0.0.1",
  shutdown,
  onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}/events`),
});
