import { test } from "node:test";
import assert from "node:assert/strict";
import { createShutdown, detectRuntime, serve } from "../mod.ts";
import { nodeHasReusePort } from "../src/runtimes/node/mod.ts";
import { within } from "./_helpers.ts";

const nodeVersion = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node ??
  "";
const runtime = detectRuntime();
const quiet = () => createShutdown({ signals: false, logger: false, timeout: 5_000 });

test("nodeHasReusePort: Node 22.12+, 23.1+ and 24+", () => {
  assert.deepEqual(
    ["20.20.0", "22.11.0", "22.12.0", "23.0.0", "23.1.0", "24.21.0"].map(nodeHasReusePort),
    [false, false, true, false, true, true],
  );
});

test("serve() rejects a reusePort that is not a boolean, naming it", async () => {
  await assert.rejects(
    serve(() => new Response("x"), { port: 0, reusePort: "yes" as unknown as boolean, shutdown: quiet() }),
    { name: "TypeError", message: 'Cannot serve: "reusePort" must be a boolean, received "yes"' },
  );
});

test("serve() rejects reusePort with a healthPort, and an unknown option, before starting anything", async () => {
  await assert.rejects(
    serve(() => new Response("x"), { port: 0, reusePort: true, healthPort: 0, shutdown: quiet() }),
    {
      name: "TypeError",
      message: 'Cannot serve: "healthPort" cannot be combined with "reusePort", received 0',
    },
  );
  await assert.rejects(
    serve(() => new Response("x"), { port: 0, reusePor: true, shutdown: quiet() } as never),
    { name: "TypeError", message: 'Cannot serve: unknown option "reusePor"' },
  );
});

test(
  "with reusePort a second server binds the same port and takes the new connections once the first shuts down",
  {
    // Deno needs --unstable-net for it: tests/deploy/handover.test.ts runs it there.
    skip: runtime === "deno" ? "Deno's reusePort needs --unstable-net (covered by tests/deploy/)" : false,
  },
  async () => {
    if (runtime === "node" && !nodeHasReusePort(nodeVersion)) {
      await assert.rejects(
        serve(() => new Response("x"), { port: 0, reusePort: true, shutdown: quiet() }),
        {
          name: "TypeError",
          message: new RegExp(`"reusePort" needs Node 22.12 or later, this is Node ${nodeVersion}`),
        },
      );
      return;
    }
    const old = quiet();
    const first = await serve(() => new Response("old"), {
      port: 0,
      hostname: "127.0.0.1",
      reusePort: true,
      shutdown: old,
      onListen: () => {},
    });
    const next = quiet();
    const second = await serve(() => new Response("new"), {
      port: first.port,
      hostname: "127.0.0.1",
      reusePort: true,
      shutdown: next,
      onListen: () => {},
    });
    const get = async () => {
      const response = await fetch(`http://127.0.0.1:${first.port}/`, { headers: { connection: "close" } });
      return `${response.status} ${await response.text()}`;
    };
    await within(old.trigger("handover"), 5_000, "the old server's shutdown");
    // The old listener is closed: every new connection reaches the new server, none is refused.
    for (let i = 0; i < 10; i++) assert.equal(await get(), "200 new");
    await within(next.trigger("done"), 5_000, "the new server's shutdown");
    await within(second.finished, 5_000, "the new server to close");
  },
);
