// Plain node:cluster: the README's primary (its "cluster primary" block, run as written but for the module's
// path and the port) with 2 workers on each Node of the matrix, rolled 3 times by SIGHUP under load from
// keep-alive clients and clients opening a new connection per request, then stopped by SIGTERM. Each worker closes its listener at the
// trigger, so that the primary hands new connections to the others, and exits as soon as it has drained.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../support/ports.ts";
import { Proc } from "../support/process.ts";
import { restartLoad } from "../support/restart_load.ts";
import { root, RUNTIMES } from "../support/runtimes.ts";

const readme = readFileSync(join(root, "README.md"), "utf8");
const primary = /<!-- cluster primary[^>]*-->\s*```js\n([\s\S]*?)\n```/.exec(readme)?.[1];
/** The app the README's primary imports: answers `/?ms=N` after N ms, naming its worker. */
const APP = `export default async (request) => {
  const ms = Number(new URL(request.url).searchParams.get("ms") ?? 0);
  if (ms >= 1000) console.log("slow request begun");
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  return new Response("ok " + process.pid);
};
`;
/** How long a worker may take from SIGTERM to its exit: its 250 ms delay, a drain of 5 ms requests, the exit. */
const STOP_MS = 1_500;
const ROLLS = 3;

const dirs: string[] = [];
const procs: Proc[] = [];
after(async () => {
  await Promise.all(procs.map((proc) => proc.dispose()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

for (const runtime of RUNTIMES.filter((r) => r.name.startsWith("node"))) {
  describe(`node:cluster on ${runtime.name}: the README's primary rolls its workers under load`, {
    timeout: 120_000,
  }, () => {
    /** The README's primary with 2 workers on a free port, started. */
    const startPrimary = async () => {
      assert.ok(primary, 'the README has a "cluster primary" block');
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), "gd-cluster-"));
      dirs.push(dir);
      const code = primary
        .replace('import("graceful-drain")', `import(${JSON.stringify(runtime.module)})`)
        .replace("port: 8000", `port: ${port}, hostname: "127.0.0.1"`);
      assert.notEqual(code, primary);
      writeFileSync(join(dir, "server.mjs"), code);
      writeFileSync(join(dir, "app.mjs"), APP);
      const proc = new Proc(runtime.command, [...runtime.args, "server.mjs"], {
        cwd: dir,
        env: { WORKERS: "2", KUBERNETES_SERVICE_HOST: "" },
      });
      procs.push(proc);
      return { port, proc };
    };

    test("stopped while a worker is still starting: the request in flight completes, exit 0", async () => {
      const { port, proc } = await startPrimary();
      await proc.waitForOutput(/listening on http:\/\/127\.0\.0\.1:\d+/, 20_000);
      // The first worker listens; the second is still loading the module (it has no SIGTERM handler yet).
      const slow = fetch(`http://127.0.0.1:${port}/?ms=1000`).then(async (r) => [r.status, await r.text()]);
      await proc.waitForOutput(/slow request begun/, 10_000);
      proc.kill("SIGTERM");
      const [status, body] = await slow;
      const exit = await proc.exited;
      assert.equal(status, 200, proc.output);
      assert.match(String(body), /^ok \d+$/);
      assert.doesNotMatch(proc.output, /before listening|Error/, proc.output);
      assert.deepEqual([exit.code, exit.signal], [0, null], proc.output);
    });

    test("nothing fails, no new connection gets a 503, and each worker exits once drained", async () => {
      const { port, proc } = await startPrimary();
      let seen = 0;
      for (let i = 0; i < 2; i++) {
        seen = (await proc.waitForOutput(/listening on http:\/\/127\.0\.0\.1:\d+/, 20_000, seen)).end;
      }

      const load = restartLoad(port);
      const rolls: number[] = [];
      try {
        for (let i = 0; i < ROLLS; i++) {
          const started = proc.kill("SIGHUP");
          seen = (await proc.waitForOutput(/^rolled$/m, 60_000, seen)).end;
          rolls.push(Math.round(performance.now() - started));
        }
      } finally {
        await load.stop();
      }
      const { tally } = load;
      proc.kill("SIGTERM");
      const exit = await proc.exited;

      assert.deepEqual({ failed: tally.failed, refusedNew: tally.refusedNew }, { failed: 0, refusedNew: 0 });
      assert.ok(tally.ok > 100, `the load ran: ${JSON.stringify(tally)}`);
      // Every worker stopped (2 per roll, then the last 2) with nothing cut, and its process ended soon after
      // its drain, as the primary measured it from SIGTERM to exit: one held by the primary's IPC channel
      // would end at the deadline (8000 ms) instead.
      const stops = [...proc.output.matchAll(/stopped: exit code (\d+) after (\d+) ms/g)]
        .map((m) => ({ code: Number(m[1]), ms: Number(m[2]) }));
      assert.equal(stops.length, 2 * ROLLS + 2, proc.output);
      assert.ok(stops.every((s) => s.code === 0), proc.output);
      const retired = [...proc.output.matchAll(/worker \d+ retired in (\d+) ms/g)].map((m) => Number(m[1]));
      assert.equal(retired.length, 2 * ROLLS, proc.output);
      assert.ok(retired.every((ms) => ms < STOP_MS), `workers retired in ${retired} ms`);
      assert.deepEqual([exit.code, exit.signal], [0, null], proc.output);
      console.log(
        `${runtime.name}: rolls ${rolls} ms, workers retired in ${retired} ms, ${JSON.stringify(tally)}`,
      );
    });
  });
}
