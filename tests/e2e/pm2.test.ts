// PM2 itself (npm pm2, its own PM2_HOME in a temp dir, `pm2 kill` at the end): cluster mode, 2 instances,
// `pm2 reload` under load from keep-alive clients and clients opening a new connection per request. The
// module sends PM2's "ready" (wait_ready) once listening, fits its timeout inside kill_timeout, closes a
// stopping worker's listener so that the primary hands new connections to the others, and lets go of the
// IPC channel so that the worker exits as soon as it has drained.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../support/ports.ts";
import { restartLoad } from "../support/restart_load.ts";
import { root, runtime } from "../support/runtimes.ts";

const node = runtime("node24");
const home = mkdtempSync(join(tmpdir(), "gd-pm2-"));
const pm2 = (...args: string[]) =>
  promisify(execFile)(node.command, [join(root, "node_modules/pm2/bin/pm2"), ...args], {
    env: { ...process.env, PM2_HOME: join(home, "home") },
    timeout: 60_000,
  });
after(async () => {
  await pm2("kill").catch(() => {});
  rmSync(home, { recursive: true, force: true });
});

describe("PM2 cluster mode, pm2 reload under load", { timeout: 180_000 }, () => {
  test("nothing fails, no new connection gets a 503, and each reload waits for no timeout", async () => {
    const port = await freePort();
    const listenTimeout = 30_000;
    const config = join(home, "ecosystem.config.cjs");
    writeFileSync(
      config,
      `module.exports = ${
        JSON.stringify({
          apps: [{
            name: "app",
            script: join(root, "tests/fixtures/pm2_app.mjs"),
            instances: 2,
            exec_mode: "cluster",
            wait_ready: true,
            listen_timeout: listenTimeout,
            kill_timeout: 5_000,
            env: { GD_MODULE: node.module, PORT: String(port) },
          }],
        })
      };\n`,
    );
    await pm2("start", config);
    const load = restartLoad(port);
    const reloads: number[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const started = performance.now();
        await pm2("reload", "app");
        reloads.push(Math.round(performance.now() - started));
      }
    } finally {
      await load.stop();
    }
    const { tally } = load;
    const logs = ["out", "error"].map((kind) =>
      readFileSync(join(home, `home/logs/app-${kind}-0.log`), "utf8")
    )
      .join("");
    assert.deepEqual({ failed: tally.failed, refusedNew: tally.refusedNew }, { failed: 0, refusedNew: 0 });
    assert.ok(tally.ok > 100, `the load ran: ${JSON.stringify(tally)}`);
    assert.ok(reloads.every((ms) => ms < listenTimeout), `reloads waited for no listen_timeout: ${reloads}`);
    assert.match(
      logs,
      /"timeout" is cut to 4700 ms to fit/,
      "the timeout fitted inside kill_timeout, said so",
    );
    assert.match(logs, /stopped: exit code 0/);
    // Not stretched: PM2 checks every 100 ms whether an old worker it signalled has exited, logging each miss.
    // Each must end soon after its drain (the 250 ms delay, 5 ms requests), not at its deadline (4700 ms).
    const daemon = readFileSync(join(home, "home/pm2.log"), "utf8");
    const waits = new Map<string, number>();
    for (const [, pid] of daemon.matchAll(/pid=(\d+) msg=failed to kill - retrying in 100ms/g)) {
      waits.set(pid, (waits.get(pid) ?? 0) + 100);
    }
    assert.equal(daemon.match(/App \[app:_old_\d\] exited with code \[0\]/g)?.length, 4, daemon);
    assert.ok(
      [...waits.values()].every((ms) => ms < 1_500),
      `PM2 waited for the old workers: ${[...waits.values()]} ms`,
    );
    console.log(
      `reloads ${reloads} ms; PM2 waited ${[...waits.values()]} ms for the old workers; ${
        JSON.stringify(tally)
      }`,
    );
  });
});
