// A Worker calls createShutdown() in its module's global scope, where workerd forbids timers, random values,
// I/O and even `new AbortController()` ("Disallowed operation called within global scope"). Here every such
// operation throws while the module's creation-time code runs, as it would there; tests/e2e/edge.test.ts
// loads the real thing in workerd.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createShutdown } from "../mod.ts";
import { graceful, type GracefulEnv } from "../src/hono/mod.ts";

/** Runs `fn` with the operations workerd disallows in global scope replaced by ones that throw. */
function inWorkerGlobalScope<T>(fn: () => T): T {
  const g = globalThis as Record<string, unknown>;
  const disallowed = (name: string) => () => {
    throw new Error(`Disallowed operation called within global scope: ${name}`);
  };
  const saved = new Map<[object, string], unknown>();
  const replace = (owner: object, key: string, name: string) => {
    saved.set([owner, key], (owner as Record<string, unknown>)[key]);
    Object.defineProperty(owner, key, { value: disallowed(name), configurable: true, writable: true });
  };
  for (const key of ["AbortController", "setTimeout", "setInterval", "fetch", "Response"]) {
    replace(g, key, key);
  }
  for (const key of ["abort", "any", "timeout"]) replace(AbortSignal, key, `AbortSignal.${key}`);
  for (const key of ["getRandomValues", "randomUUID"]) replace(crypto, key, `crypto.${key}`);
  try {
    return fn();
  } finally {
    for (const [[owner, key], value] of saved) {
      Object.defineProperty(owner, key, { value, configurable: true, writable: true });
    }
  }
}

test("createShutdown(), wrap() and graceful() do nothing at creation that a Worker's global scope forbids", async () => {
  const { shutdown, fetch, app } = inWorkerGlobalScope(() => {
    const shutdown = createShutdown({ signals: false, logger: false, handleErrors: true });
    const fetch = shutdown.wrap((_request?: Request) => new Response("plain"));
    const app = new Hono<GracefulEnv>().use(graceful(shutdown));
    return { shutdown, fetch, app };
  });
  // Made on first use instead, in a handler or at the trigger.
  app.get("/", (c) => c.text(c.var.shutdown.signal.aborted ? "wrapping up" : "working"));
  assert.equal(await (await app.request("/")).text(), "working");
  assert.equal(await (await fetch(new Request("http://localhost/")))?.text(), "plain");
  const { signal } = shutdown;
  assert.equal(shutdown.signal, signal, "one signal, whenever it is read");
  assert.equal(signal.aborted, false);
  await shutdown.trigger("deploy");
  assert.equal(signal.aborted, true);
  assert.equal(shutdown.deadline.aborted, true, "a deadline first read after the drain is already aborted");
  assert.equal((shutdown.deadline.reason as Error).name, "ShutdownError");
});

test("a shutdown signal first read after the trigger is aborted with the trigger's reason", async () => {
  const shutdown = createShutdown({ signals: false, logger: false });
  const report = shutdown.trigger("maintenance");
  assert.equal(shutdown.signal.aborted, true);
  assert.equal((shutdown.signal.reason as Error).cause, "maintenance");
  assert.equal((await report).exitCode, 0);
});
