// `graceful-drain verify` end to end: the CLI run as a child process against real servers (the naive shutdown
// of each runtime, this module's serve()), real load, real signals; what it printed and its exit status.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, root, runtime } from "../support/runtimes.ts";

const fixture = (name: string) => join(root, "tests/fixtures", name);
const CLI = join(root, "src/cli.ts");
const SUMMARY =
  /^verify: (\d+) completed, (\d+) refused, (\d+) lost, (\d+) served after the signal; exit (\S+) after (\d+) ms$/;

const scratch = mkdtempSync(join(tmpdir(), "graceful-drain-verify-"));
const groups = new Set<number>();
after(() => {
  // A CLI a failed assertion left running, and whatever it started (it runs in its own process group).
  for (const pid of groups) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch { /* gone */ }
  }
  rmSync(scratch, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The parsed summary line, when the last line of stdout is one. */
  summary?: { completed: number; refused: number; lost: number; served: number; exit: string; ms: number };
}

/** Runs the CLI (`runtime args…`, Node 24 on the source by default) to its end; killed after `ms`. */
function cli(args: string[], ms = 40_000, runtime: string[] = [process.execPath, CLI]): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(runtime[0], [...runtime.slice(1), ...args], {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, KUBERNETES_SERVICE_HOST: "", NO_COLOR: "1" },
    });
    groups.add(child.pid!);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => void (stdout += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => void (stderr += text));
    const timer = setTimeout(() => {
      process.kill(-child.pid!, "SIGKILL");
      reject(new Error(`the CLI did not end within ${ms} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, ms);
    child.on("close", (status) => {
      clearTimeout(timer);
      groups.delete(child.pid!);
      const match = SUMMARY.exec(stdout.trimEnd().split("\n").at(-1) ?? "");
      const summary = match
        ? {
          completed: Number(match[1]),
          refused: Number(match[2]),
          lost: Number(match[3]),
          served: Number(match[4]),
          exit: match[5],
          ms: Number(match[6]),
        }
        : undefined;
      resolvePromise({ status, stdout, stderr, summary });
    });
  });
}

const explain = (run: Run) => `status ${run.status}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;

describe("graceful-drain verify finds what a naive shutdown loses", { timeout: 120_000 }, () => {
  const naive: [string, string[]][] = [
    ["Node http.createServer + server.close()", [bin("node"), fixture("naive/node.js")]],
    ["Deno.serve + server.shutdown()", [bin("deno"), "run", "-A", "--quiet", fixture("naive/deno.js")]],
    ["Bun.serve + server.stop()", [bin("bun"), fixture("naive/bun.js")]],
  ];
  for (const [name, command] of naive) {
    test(`${name}: requests lost, exit status 1`, async () => {
      const run = await cli(["verify", "--", ...command]);
      assert.equal(run.status, 1, explain(run));
      assert.ok(run.summary, `the last line is the summary\n${explain(run)}`);
      assert.ok(run.summary.lost > 0, explain(run));
      assert.ok(run.summary.completed > 0, explain(run));
      assert.match(run.stdout, /^lost: .*keep-alive \d+/m, explain(run));
      console.log(`${name}: ${run.summary.lost} lost`); // the figure, for the run's log
    });
  }
});

describe("graceful-drain verify on a server drained by serve()", { timeout: 60_000 }, () => {
  test("nothing lost across every class of clients, readiness 503 first; exit status 0", async () => {
    const json = join(scratch, "graceful.json");
    const run = await cli([
      "verify",
      "--slow-path=/slow",
      "--stream-path=/stream",
      "--ready-path=/ready",
      "--json",
      json,
      "--",
      bin("node"),
      fixture("verify_graceful.ts"),
    ]);
    assert.equal(run.status, 0, explain(run));
    assert.ok(run.summary, explain(run));
    assert.equal(run.summary.lost, 0, explain(run));
    assert.equal(run.summary.exit, "0", explain(run));
    const result = JSON.parse(readFileSync(json, "utf8"));
    assert.equal(result.ok, true);
    assert.deepEqual(Object.keys(result.clients), ["keepAlive", "oneShot", "slow", "stream"]);
    assert.ok(result.clients.slow.completed > 0 && result.clients.stream.completed > 0, explain(run));
    assert.ok(result.totals.refused > 0, "the load went on after the signal and was refused");
    const unready = result.readiness.changes.find((c: { ms: number; state: string }) => c.state === "503");
    assert.ok(unready && unready.ms >= 0, JSON.stringify(result.readiness));
    assert.equal(result.exit.killed, false);
    assert.equal(result.exit.afterMs, run.summary.ms);
  });
});

describe("graceful-drain verify when the app misbehaves", { timeout: 60_000 }, () => {
  test("a server that ignores the signal is killed at --timeout: exit status 1", async () => {
    const app = `const s = require("node:http").createServer((q, r) => r.end("ok"));
      s.listen(Number(process.env.PORT), "127.0.0.1"); process.on("SIGTERM", () => {});`;
    const run = await cli(["verify", "--duration", "300", "--timeout", "1000", "--", bin("node"), "-e", app]);
    assert.equal(run.status, 1, explain(run));
    assert.equal(run.summary?.exit, "SIGKILL", explain(run));
    assert.ok(run.summary.ms >= 1000, explain(run));
    assert.match(run.stdout, /no exit within 1000 ms of SIGTERM \(--timeout\): killed with SIGKILL/);
  });

  test("a command that exits before listening: exit status 1, saying so", async () => {
    const run = await cli(["verify", "--", bin("node"), "-e", "process.exit(3)"]);
    assert.equal(run.status, 1, explain(run));
    assert.match(run.stderr, /the command exited \(exit 3\) before listening on 127\.0\.0\.1:\d+/);
  });

  test("a port that never opens: exit status 1 after --startup-timeout, the command killed", async () => {
    const pidFile = join(scratch, "sleeper.pid");
    const sleeper = `require("node:fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
      setInterval(() => {}, 1000);`;
    const run = await cli(["verify", "--startup-timeout", "700", "--", bin("node"), "-e", sleeper]);
    assert.equal(run.status, 1, explain(run));
    assert.match(run.stderr, /nothing accepted connections on 127\.0\.0\.1:\d+ within 700 ms/);
    assert.ok(existsSync(pidFile), "the command ran");
    assert.throws(() => process.kill(Number(readFileSync(pidFile, "utf8")), 0), { code: "ESRCH" });
  });
});

describe("graceful-drain verify usage errors: exit status 2 and what is wrong", () => {
  const cases: [string, string[], RegExp][] = [
    ["no command", ["verify"], /no command to verify: put it after --/],
    ["no subcommand", [], /no subcommand/],
    ["an unknown subcommand", ["check", "--", "x"], /unknown subcommand check/],
    ["an unknown option", ["verify", "--durations", "5", "--", "x"], /unknown option --durations/],
    ["a bad number", ["verify", "--timeout", "soon", "--", "x"], /--timeout must be .*received "soon"/],
    ["a bad signal", ["verify", "--signal", "SIGNOPE", "--", "x"], /--signal must be a signal name/],
    ["a path without /", ["verify", "--slow-path", "slow", "--", "x"], /--slow-path must be a path/],
    ["a command that does not exist", ["verify", "--", join(scratch, "nope")], /cannot start .*nope/],
  ];
  for (const [name, args, message] of cases) {
    test(name, async () => {
      const run = await cli(args);
      assert.equal(run.status, 2, explain(run));
      assert.match(run.stderr, message);
      assert.match(run.stderr, /Usage: graceful-drain verify/);
    });
  }
});

describe("graceful-drain verify on other runtimes", { timeout: 60_000 }, () => {
  const app = `const s = require("node:http").createServer((q, r) => r.end("ok"));
    s.listen(Number(process.env.PORT), "127.0.0.1");
    process.on("SIGTERM", () => { s.close(); s.closeAllConnections(); });`;
  const short = ["verify", "--duration", "300", "--keep-alive-clients", "0", "--", bin("node"), "-e", app];

  test("deno run -A src/cli.ts", async () => {
    const run = await cli(short, 40_000, [bin("deno"), "run", "-A", "--quiet", CLI]);
    assert.ok(run.summary && run.summary.completed > 0, explain(run));
  });

  const node22 = runtime("node22").command;
  const dist = join(root, "dist/src/cli.js");
  const skip = !existsSync(dist) || !existsSync(node22) ? "needs dist/ (npm run build) and Node 22" : false;
  test("the npm bin (dist/src/cli.js) on Node 22, the oldest supported", { skip }, async () => {
    const run = await cli(short, 40_000, [node22, dist]);
    assert.ok(run.summary && run.summary.completed > 0, explain(run));
    assert.match(readFileSync(dist, "utf8"), /^#!\/usr\/bin\/env node\n/);
  });
});
