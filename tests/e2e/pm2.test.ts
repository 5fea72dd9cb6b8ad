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
import { NoAnswer, RawClient } from "../support/raw_client.ts";
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
    const tally = { ok: 0, failed: 0, refusedKeptAlive: 0, refusedNew: 0 };
    let stop = false;
    const keepAlive = async () => {
      let client: RawClient | undefined;
      for (let i = 0; i < 100_000 && !stop; i++) {
        try {
          client ??= await RawClient.connect(port);
          const response = await client.get("/?ms=5");
          if (response.status === 503) tally.refusedKeptAlive++;
          else tally.ok++;
          if (response.status === 503 || response.headers.connection === "close") {
            client.close();
            client = undefined;
          }
        } catch (error) {
          if (!(error instanceof NoAnswer)) throw error;
          tally.failed++;
          client = undefined;
        }
      }
      client?.close();
    };
    const fresh = async () => {
      for (let i = 0; i < 100_000 && !stop; i++) {
        const client = await RawClient.connect(port);
        try {
          const response = await client.get("/?ms=5");
          if (response.status === 503) tally.refusedNew++;
          else tally.ok++;
        } catch (error) {
          if (!(error instanceof NoAnswer)) throw error;
          tally.failed++;
        } finally {
          client.close();
        }
      }
    };
    const load = [...Array.from({ length: 4 }, keepAlive), ...Array.from({ length: 2 }, fresh)];
    const reloads: number[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const started = performance.now();
        await pm2("reload", "app");
        reloads.push(Math.round(performance.now() - started));
      }
    } finally {
      stop = true;
      await Promise.all(load);
    }
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
  });
});
