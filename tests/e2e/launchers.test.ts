// Servers the runtime starts itself ("no silent loss", case b and Bun's `export default`): the module sees
// them only through the fetch handler. Bun passes its server beside each request, so the shutdown owns it as
// attach() would; `deno serve` passes no server and stops it itself at SIGTERM, so the module says so.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { freePort } from "../support/ports.ts";
import { NoAnswer, RawClient } from "../support/raw_client.ts";
import { keepAliveLoad } from "../support/keep_alive_load.ts";
import { Proc } from "../support/process.ts";
import { bin, root, runtime } from "../support/runtimes.ts";

const started = new Set<Proc>();
const clients = new Set<RawClient>();
after(() => {
  clients.forEach((client) => client.close());
  started.forEach((proc) => void proc.dispose());
});

/** Connects once the launcher listens (it says nothing we could wait on), within `ms`. */
async function connectWhenListening(port: number, ms = 20_000): Promise<RawClient> {
  const deadline = performance.now() + ms;
  for (;;) {
    try {
      const client = await RawClient.connect(port);
      clients.add(client);
      return client;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const fixture = join(root, "tests/fixtures/launched.js");
const module = { GD_MODULE: runtime("bun").module };

describe("Bun's export default: Bun starts the server", { timeout: 60_000 }, () => {
  test("the shutdown owns it: under load nothing is lost, a request in flight completes, exit 0", async () => {
    const port = await freePort();
    const proc = new Proc(bin("bun"), [fixture], { cwd: root, env: { ...module, PORT: String(port) } });
    started.add(proc);
    const slow = (await connectWhenListening(port)).get("/?ms=800");
    const tally = await keepAliveLoad(port, { signal: () => proc.kill("SIGTERM"), opened: clients });
    const exit = await proc.exit(10_000);
    const answer = await slow;
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.connection, "close");
    assert.equal(tally.lost, 0, JSON.stringify(tally));
    assert.equal(exit.code, 0, proc.stderr);
    const report = proc.events.find((e) => e.event === "report")?.report as { cut: Record<string, number> };
    assert.deepEqual(report.cut, { requests: 0, streams: 0, webSockets: 0, tasks: 0 });
  });
});

describe("Bun's export default, at the deadline", { timeout: 60_000 }, () => {
  test("a body still being sent is cut by the shutdown's force and reported: exit 1", async () => {
    const port = await freePort();
    const proc = new Proc(bin("bun"), [fixture], { cwd: root, env: { ...module, PORT: String(port) } });
    started.add(proc);
    const client = await connectWhenListening(port);
    const response = client.get("/?chunks=60").catch((error) => error);
    await new Promise((resolve) => client.socket.once("data", resolve)); // the body has begun
    proc.kill("SIGTERM");
    const exit = await proc.exit(10_000);
    assert.ok((await response) instanceof NoAnswer, "the client did not get the whole body");
    assert.equal(exit.code, 1, proc.stderr);
    const report = proc.events.find((e) => e.event === "report")?.report as { cut: Record<string, number> };
    assert.equal(report.cut.streams, 1);
  });
});

describe("deno serve: Deno starts and stops the server", { timeout: 60_000 }, () => {
  test("the module warns, naming the alternative, at the first request", async () => {
    const port = await freePort();
    const proc = new Proc(bin("deno"), ["serve", "-A", "--port", String(port), fixture], {
      cwd: root,
      env: { GD_MODULE: runtime("deno").module },
    });
    started.add(proc);
    const client = await connectWhenListening(port);
    assert.equal((await client.get("/")).status, 200);
    const warning = await proc.waitFor((e) => e.event === "log" && e.level === "warn", 5_000, "the warning");
    assert.match(String(warning.message), /deno serve/);
    assert.match(String(warning.message), /`deno run` and serve\(\)/);
    proc.kill("SIGTERM");
    await proc.exit(10_000);
  });
});
