// Port handover on one host with `reusePort`: the next process binds the same port, and once it listens the
// old one gets SIGTERM, sheds keep-alive clients during its delay, closes its listener and drains. Run as is
// (net.ipv4.tcp_migrate_req as the host has it, 0 by default) and in a new network namespace with it set to
// 1, where the kernel moves connections queued at a closing listener to the other one instead of resetting
// them. GD_DEPLOY=full (npm run test:deploy) runs 20 handovers per case, npm test 3.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile as execFileCallback } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { RUNTIMES } from "../support/runtimes.ts";
import { APP, appCommand, root } from "./_app.ts";
import { ensureCommand, tempDir } from "./_system.ts";

const execFile = promisify(execFileCallback);
const HANDOVERS = process.env.GD_DEPLOY === "full" ? 20 : 3;
const DRIVER = join(root, "tests/deploy/_handover_driver.ts");

// A new network namespace with loopback up and the sysctl on (written to /proc: procps may be missing).
const NETNS = 'ip link set lo up && echo 1 > /proc/sys/net/ipv4/tcp_migrate_req && exec "$@"';

/** Whether this machine lets us do that: root, util-linux's unshare, iproute2's ip, Linux >= 5.14. */
try {
  ensureCommand("ip", "iproute2");
} catch {
  // not root, or no apt: the namespaced case is skipped below
}
const canMigrate = await execFile("unshare", ["--net", "sh", "-c", NETNS, "sh", "true"]).then(
  () => true,
  () => false,
);

interface Run {
  migrate: string;
  handovers: number;
  exits: (number | null)[];
  error?: string;
  ok: number;
  failed: number;
  failures: Record<string, number>;
}

async function drive(command: string[], migrate: boolean): Promise<Run> {
  const args = [DRIVER, String(HANDOVERS), ...command];
  const { stdout } = migrate
    ? await execFile("unshare", [
      "--net",
      "sh",
      "-c",
      NETNS,
      "sh",
      process.execPath,
      ...args,
    ], { timeout: HANDOVERS * 30_000 + 30_000 })
    : await execFile(process.execPath, args, { timeout: HANDOVERS * 30_000 + 30_000 });
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

for (const runtime of RUNTIMES) {
  describe(
    `port handover with reusePort on ${runtime.name}`,
    { timeout: 60_000 + HANDOVERS * 60_000 },
    () => {
      // Deno's reusePort is behind --unstable-net; Node before 22.12 cannot listen with it (serve() throws, a
      // unit test checks the version test), which no Node of the matrix is.
      const command = async (dir: string) =>
        runtime.name === "deno"
          ? [runtime.command, "run", "-A", "--quiet", "--unstable-net", APP]
          : await appCommand(runtime, dir);

      for (const migrate of [false, true]) {
        const sysctl = migrate
          ? "tcp_migrate_req=1 (new network namespace)"
          : "tcp_migrate_req as the host has it";
        test(`${HANDOVERS} handovers under load, ${sysctl}`, {
          skip: migrate && !canMigrate
            ? "cannot make a network namespace with the sysctl here (root, ip)"
            : false,
        }, async (t) => {
          const dir = tempDir("gd-handover-");
          t.after(() => dir.dispose());
          const run = await drive(await command(dir.path), migrate);
          console.log(
            `# handover ${runtime.name} tcp_migrate_req=${run.migrate}: ${run.handovers} handovers, ${run.ok} ok, ${run.failed} failed ${
              JSON.stringify(run.failures)
            }`,
          );
          assert.equal(run.error, undefined);
          assert.deepEqual(run.exits, Array(HANDOVERS).fill(0), "every old process drained and exited 0");
          // Refusals would mean the old process still took new connections while draining; a request lost on
          // a reused connection, that the drain closed one under a client.
          assert.equal(run.failures["503"] ?? 0, 0, JSON.stringify(run.failures));
          assert.equal(run.failures["no answer (reused connection)"] ?? 0, 0, JSON.stringify(run.failures));
          const resets = (run.failures["no answer (new connection)"] ?? 0) +
            (run.failures["connect: ECONNRESET"] ?? 0);
          assert.equal(run.failed, resets, `only new connections reset: ${JSON.stringify(run.failures)}`);
          // With the sysctl, the kernel resets none of them; Deno's shutdown() still closes a connection it has
          // accepted but not yet read (it has no way to close only the listener): the README gives its figure.
          if (run.migrate === "1" && runtime.name !== "deno") assert.equal(run.failed, 0);
        });
      }
    },
  );
}
