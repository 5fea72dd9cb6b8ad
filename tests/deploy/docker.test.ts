// examples/docker/: no Docker engine runs here, so each Dockerfile is read for what `docker stop` depends on
// (its STOPSIGNAL, the drain timeout against docker's 10 s, an exec-form CMD), and its CMD is run as PID 1
// of a new PID namespace, as in a container, to prove SIGTERM is handled there: drained, exit code 0.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RawClient } from "../support/raw_client.ts";
import { root } from "./_app.ts";
import { moduleDefaults } from "./_defaults.ts";
import { Proc } from "../support/process.ts";
import { freePort } from "./_system.ts";

/** What `docker stop` waits before SIGKILL unless told otherwise (`-t`, `--stop-timeout`). */
const DOCKER_STOP_TIMEOUT = 10_000;
/** Time kept between the module's deadline and docker's kill: the process still has to exit. */
const EXIT_MARGIN = 1_000;

interface Dockerfile {
  env: Record<string, string>;
  stopSignal?: string;
  cmd?: unknown;
}

/** Reads the instructions these tests need: ENV (both forms), STOPSIGNAL, CMD; joins `\` continuations. */
function parseDockerfile(text: string): Dockerfile {
  const result: Dockerfile = { env: {} };
  const lines = text.replace(/\\\n/g, " ").split("\n").map((line) => line.trim());
  for (const line of lines.filter((l) => l && !l.startsWith("#"))) {
    const [, instruction, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    switch (instruction?.toUpperCase()) {
      case "ENV":
        if (rest.includes("=")) {
          for (const [, key, value] of rest.matchAll(/(\w+)=("[^"]*"|\S+)/g)) {
            result.env[key] = value.replace(/^"|"$/g, "");
          }
        } else {
          const [key, ...value] = rest.split(/\s+/);
          result.env[key] = value.join(" ");
        }
        break;
      case "STOPSIGNAL":
        result.stopSignal = rest;
        break;
      case "CMD":
        result.cmd = rest.startsWith("[") ? JSON.parse(rest) : rest;
        break;
    }
  }
  return result;
}

/** The pid, in this namespace, of the child of `parent` (unshare's PID 1), from /proc. */
function childOf(parent: number): number | undefined {
  for (const entry of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      // The fields after the command name, which may hold spaces and parentheses: state, ppid, …
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === parent) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

const RUNTIME_BINARIES: Record<string, string> = {
  deno: join(root, "node_modules/.bin/deno"),
  bun: join(root, "node_modules/.bin/bun"),
  node: join(root, "node_modules/.bin/node"), // Node 24: the Dockerfile's node:24 image
};

const children: Proc[] = [];
after(() => children.forEach((child) => child.dispose()));

const unshareWorks = spawn("unshare", ["--pid", "--fork", "--mount-proc", "true"]);
const canUnshare = await new Promise<boolean>((resolve) => {
  unshareWorks.on("error", () => resolve(false));
  unshareWorks.on("exit", (code) => resolve(code === 0));
});

const dir = join(root, "examples/docker");
for (const name of readdirSync(dir).filter((f) => f.startsWith("Dockerfile")).sort()) {
  describe(`examples/docker/${name}`, { timeout: 60_000 }, () => {
    const dockerfile = parseDockerfile(readFileSync(join(dir, name), "utf8"));
    const defaults = moduleDefaults(false);

    test("STOPSIGNAL is SIGTERM, a signal the module handles by default", () => {
      assert.equal(dockerfile.stopSignal, "SIGTERM");
      assert.ok(defaults.signals.includes("SIGTERM"), `module signals: ${defaults.signals}`);
    });

    test("the drain timeout ends the process inside docker stop's 10 s", () => {
      const timeout = Number(dockerfile.env.DRAIN_TIMEOUT ?? defaults.timeout);
      assert.ok(
        timeout + EXIT_MARGIN <= DOCKER_STOP_TIMEOUT,
        `timeout ${timeout} ms + ${EXIT_MARGIN} ms to exit > docker stop's ${DOCKER_STOP_TIMEOUT} ms`,
      );
    });

    test("CMD is exec form and starts the runtime itself, so the signal reaches it", () => {
      assert.ok(
        Array.isArray(dockerfile.cmd),
        `CMD must be a JSON array, is ${JSON.stringify(dockerfile.cmd)}`,
      );
      const [runtime] = dockerfile.cmd as string[];
      assert.ok(runtime in RUNTIME_BINARIES, `CMD starts ${runtime}, not deno, bun or node`);
    });

    test("its CMD as PID 1 of a new PID namespace serves, then drains on SIGTERM and exits 0", {
      skip: canUnshare ? false : "unshare --pid --fork needs root or user namespaces",
    }, async () => {
      const [runtime, ...args] = dockerfile.cmd as string[];
      const port = await freePort();
      // The container's environment, but on loopback and a free port: WORKDIR /app is the repository root.
      const env = { ...dockerfile.env, HOST: "127.0.0.1", PORT: String(port), KUBERNETES_SERVICE_HOST: "" };
      const container = new Proc("unshare", [
        "--pid",
        "--fork",
        "--mount-proc",
        RUNTIME_BINARIES[runtime],
        ...args,
      ], {
        cwd: root,
        env,
      });
      children.push(container);
      await container.waitForOutput(/listening on/, 20_000);
      const pid1 = childOf(container.pid!);
      assert.ok(pid1, "found the namespace's PID 1");
      assert.match(readFileSync(`/proc/${pid1}/status`, "utf8"), /^NSpid:\s+\d+\s+1$/m, "it is PID 1 there");

      const client = await RawClient.connect(port);
      assert.equal((await client.get("/")).status, 200);
      client.close();

      const sent = performance.now();
      process.kill(pid1, "SIGTERM"); // what docker stop does: from outside the namespace, to its PID 1
      const exit = await container.exit(defaults.timeout + 2_000);
      const ms = Math.round(performance.now() - sent);
      console.log(`# docker ${name}: PID 1 exited ${exit.code} ${ms} ms after SIGTERM`);
      assert.equal(exit.code, 0, container.output);
      assert.match(container.output, /shutdown started \(SIGTERM\)/);
      assert.match(container.output, /stopped: exit code 0/);
    });
  });
}
