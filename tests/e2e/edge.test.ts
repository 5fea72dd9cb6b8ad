// The module in the edge runtimes themselves: Cloudflare's workerd (started by miniflare, as `wrangler dev`
// does) and Vercel's Edge Runtime (`edge-runtime`), each loading a Worker module bundled by esbuild from
// tests/fixtures/edge/, served on 127.0.0.1 and driven by real HTTP requests. Each app creates its shutdown
// in the module's global scope, where workerd forbids timers, random values and AbortControllers.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  type ClientRequest,
  get,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as httpRequest,
} from "node:http";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { EdgeRuntime, runServer } from "edge-runtime";

const fixtures = fileURLToPath(new URL("../fixtures/edge/", import.meta.url));
const WAIT_MS = 10_000;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One GET over a new connection. */
function request(url: URL): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: WAIT_MS }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url.pathname}: no answer in ${WAIT_MS} ms`)));
    req.on("error", reject);
  });
}

/**
 * A POST held in flight by its own body: the first part is sent at once, the rest when `finish()` is called
 * (the handler waits for the body's end). `firstChunk` resolves when the response's first bytes arrive.
 */
function held(url: URL): { firstChunk: Promise<void>; finish(): void; reply: Promise<Reply> } {
  const firstChunk = Promise.withResolvers<void>();
  let req!: ReturnType<typeof httpRequest>;
  const reply = new Promise<Reply>((resolve, reject) => {
    req = httpRequest(url, { method: "POST", agent: false, timeout: WAIT_MS }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => {
        if (body === "") firstChunk.resolve();
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`POST ${url.pathname}: no answer in ${WAIT_MS} ms`)));
    req.on("error", reject);
    req.flushHeaders();
    req.write("first part;");
  });
  return { firstChunk: firstChunk.promise, finish: () => void req.end("last part"), reply };
}

interface State {
  runtime: string;
  loadedWith: Record<string, string>;
  phase: string;
  inFlight: { requests: number; streams: number; tasks: number };
  finished: string[];
}

/** Polls the app's state (outside its gate) until `done` holds, at most WAIT_MS. */
async function until(base: URL, done: (state: State) => boolean, what: string): Promise<State> {
  const deadline = performance.now() + WAIT_MS;
  for (;;) {
    const state = JSON.parse((await request(new URL("/__state", base))).body) as State;
    if (done(state)) return state;
    if (performance.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(state)}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The app bundled as a Worker module (ESM) or a service-worker script (IIFE, for the Edge Runtime). */
async function bundle(app: string, format: "esm" | "iife"): Promise<string> {
  const contents = format === "esm"
    ? `export { default } from "./${app}.ts";`
    : `import worker from "./${app}.ts";\n` +
      `addEventListener("fetch", (event) => event.respondWith(worker.fetch(event.request, {}, event)));`;
  const result = await build({
    stdin: { contents, resolveDir: fixtures, sourcefile: `${app}_entry.ts`, loader: "ts" },
    bundle: true,
    format,
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    // What wrangler does without nodejs_compat: Node's built-ins stay imports, which these runtimes lack.
    external: ["node:*"],
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports);
  const nodeImports = imports.filter((i) => i.path.startsWith("node:") && i.kind === "import-statement");
  assert.deepEqual(nodeImports, [], `${app}: the bundle imports Node built-ins`);
  return result.outputFiles[0].text;
}

interface Started {
  url: URL;
  close(): Promise<void>;
}

const runtimes: Record<string, { name: string; start(app: string): Promise<Started> }> = {
  workerd: {
    name: "workerd",
    async start(app) {
      const mf = new Miniflare({
        // Listed, not analysed: miniflare rejects the core's non-literal import() (Node only, never run here).
        modules: [{ type: "ESModule", path: "worker.mjs", contents: await bundle(app, "esm") }],
        compatibilityDate: "2025-01-01",
        host: "127.0.0.1",
        port: 0,
      });
      return { url: await mf.ready, close: () => mf.dispose() };
    },
  },
  "edge-runtime": {
    name: "edge-runtime",
    async start(app) {
      const runtime = new EdgeRuntime({ initialCode: await bundle(app, "iife") });
      const server = await runServer({ runtime, host: "127.0.0.1" });
      return { url: new URL(server.url), close: () => server.close() };
    },
  },
};

for (const [runtimeName, runtime] of Object.entries(runtimes)) {
  for (const app of ["plain", "hono"]) {
    describe(`${runtimeName}: ${app === "hono" ? "Hono app with graceful()" : "fetch handler with wrap()"}`, {
      timeout: 60_000,
    }, () => {
      let started: Started;
      before(async () => (started = await runtime.start(app)));
      after(() => started?.close());
      const at = (path: string) => new URL(path, started.url);
      test("loads with its shutdown created in the global scope, without process, Deno or Bun", async () => {
        const state = await until(started.url, () => true, "state");
        assert.equal(state.runtime, runtime.name);
        assert.deepEqual(state.loadedWith, { process: "undefined", Deno: "undefined", Bun: "undefined" });
        assert.equal(state.phase, "running");
      });

      test("a fixed-length body passes as it would without the gate", async () => {
        const [gated, bare] = [await request(at("/fixed")), await request(at("/__fixed"))];
        assert.equal(gated.status, 200);
        assert.equal(gated.body, bare.body);
        // workerd sends it with its length (the Edge Runtime's server sends every body chunked).
        if (runtimeName === "workerd") assert.equal(bare.headers["content-length"], String(bare.body.length));
        assert.equal(gated.headers["content-length"], bare.headers["content-length"]);
        assert.equal(gated.headers["transfer-encoding"], bare.headers["transfer-encoding"]);
        await until(started.url, (s) => s.inFlight.streams === 0, "the body's end counted");
      });

      // A JavaScript stream, and one the runtime pumps natively (workerd's IdentityTransformStream, which
      // the gate follows through a tee there).
      for (const path of ["/stream", "/native-stream"]) {
        test(`a streamed body is counted until its last byte (${path})`, async () => {
          const streamed = held(at(path));
          await streamed.firstChunk;
          await until(started.url, (s) => s.inFlight.streams === 1, "the stream counted");
          streamed.finish();
          assert.equal((await streamed.reply).body, "first;last");
          await until(started.url, (s) => s.inFlight.streams === 0, "the stream's end counted");
        });
      }

      test("a large fixed-length body is counted until the client has read it", {
        // Measured: the Edge Runtime's server reads a whole body ahead into the socket whatever the client
        // does (the count ends at once there, with or without the gate's stream): nothing to hold.
        skip: runtimeName !== "workerd" && "the Edge Runtime's server reads every body ahead",
      }, async () => {
        // The client reads the first chunk, then stops: the rest waits in the server's buffers, and the body
        // must stay counted until the client reads on (not end when the runtime has merely read it ahead).
        const paused = Promise.withResolvers<IncomingMessage>();
        let req!: ClientRequest;
        const reply = new Promise<{ length: number; headers: IncomingHttpHeaders }>((resolve, reject) => {
          req = get(at("/large"), { agent: false }, (res) => {
            let length = 0;
            res.on("data", (chunk: Buffer) => {
              if (length === 0) paused.resolve(res.pause());
              length += chunk.length;
            });
            res.on("end", () => resolve({ length, headers: res.headers }));
            res.on("error", reject);
          });
          req.on("error", reject);
        });
        try {
          const res = await paused.promise;
          // Sampled over as many round trips of the test's own requests as it takes the runtime to read the
          // whole body ahead, which it would do well within them if nothing held it back.
          for (let i = 0; i < 20; i++) {
            const state = await until(started.url, () => true, "state");
            assert.equal(state.inFlight.streams, 1, `sample ${i}`);
          }
          res.resume();
          const { length, headers } = await reply;
          assert.equal(length, 32 << 20);
          assert.equal(headers["content-length"], String(length)); // as workerd sends it without the gate
          await until(started.url, (s) => s.inFlight.streams === 0, "the body's end counted");
        } finally {
          req.destroy();
        }
      });

      test("shutdown.waitUntil() work outlives its response", async () => {
        assert.equal((await request(at("/background"))).body, "started");
        const state = await until(started.url, (s) => s.finished.includes("waitUntil"), "the held work");
        assert.equal(state.inFlight.tasks, 0);
      });

      test("after trigger(): new requests get the 503, the one in flight finishes", async () => {
        const slow = held(at("/slow"));
        await until(started.url, (s) => s.inFlight.requests === 1, "the slow request in flight");
        assert.equal((await request(at("/__trigger"))).body, "triggered");
        const refused = await request(at("/fixed"));
        assert.equal(refused.status, 503);
        assert.equal(refused.headers["retry-after"], "1");
        assert.equal((await until(started.url, () => true, "state")).phase, "draining");
        slow.finish();
        const finished = await slow.reply;
        assert.equal(finished.status, 200);
        assert.match(finished.body, /^slow done/);
        await until(started.url, (s) => s.phase === "stopped", "the shutdown stopped");
      });
    });
  }
}
