import { test } from "node:test";
import assert from "node:assert/strict";
import { createShutdown, serve } from "../mod.ts";
import { within } from "./_helpers.ts";

test("serve() on this runtime: the gate refuses while draining, the health port answers through the drain", async () => {
  const shutdown = createShutdown({ signals: false, logger: false, timeout: 5_000 });
  const served = await serve(() => new Response("hello"), {
    port: 0,
    hostname: "127.0.0.1",
    shutdown,
    healthPort: 0,
    onListen: () => {},
  });
  const main = `http://127.0.0.1:${served.port}`;
  const health = `http://127.0.0.1:${served.healthPort}`;
  const text = async (url: string) => {
    const response = await fetch(url, { headers: { connection: "close" } });
    return `${response.status} ${await response.text()}`;
  };
  assert.equal(await text(`${main}/`), "200 hello");
  assert.match(await text(`${health}/ready`), /^200 /);

  const task = Promise.withResolvers<void>();
  shutdown.waitUntil(task.promise, { name: "job" });
  void shutdown.trigger("test");
  assert.match(await text(`${main}/`), /^503 Service Unavailable/);
  assert.match(await text(`${health}/ready`), /^503 /);
  assert.match(await text(`${health}/live`), /^200 /);
  task.resolve();
  const report = await within(shutdown.done, 5_000, "the shutdown");
  await within(served.finished, 5_000, "the server to close");
  assert.equal(report.exitCode, 0);
  assert.equal(report.refused, 1);
});
