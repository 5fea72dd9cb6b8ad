// The app every consumer project runs, given what its entry file imported (ESM, CommonJS or TypeScript; from
// the packed tarball or, on Deno, the source). It reports what happens as JSON lines on stdout; a line on stdin
// releases the request it holds in flight, so that the test decides when the drain may end, without timing.
import process from "node:process";

export async function start({ createShutdown, detectRuntime, serve, graceful, Hono }) {
  const emit = (event, data = {}) => console.log(JSON.stringify({ event, ...data }));
  const shutdown = createShutdown({ timeout: 20_000, delay: 0, logger: false });
  shutdown.onCleanup(() => emit("cleanup"), { name: "db" });
  shutdown.done.then((report) => emit("report", { report }));
  const released = new Promise((resolve) => process.stdin.once("data", resolve));

  const app = new Hono();
  app.use(graceful(shutdown));
  app.get("/", (c) => c.text("ok"));
  app.get("/work", async (c) => {
    emit("in-flight");
    const { signal } = c.var.shutdown;
    if (!signal.aborted) {
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    }
    emit("wrapping-up", { phase: shutdown.phase });
    await released;
    return c.text("finished during the drain");
  });

  await serve(app, {
    port: 0,
    hostname: "127.0.0.1",
    shutdown,
    onListen: ({ port }) => emit("listening", { port, runtime: detectRuntime() }),
  });
}
