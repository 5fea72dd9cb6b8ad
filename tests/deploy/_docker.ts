// A real Docker engine for the deployment tests: Debian's docker.io (installed when missing), one private
// dockerd per test file on its own socket, data and exec roots in a temporary directory, and nothing else of
// the machine touched: `--bridge=none --iptables=false --ip-forward=false` (the default bridge would add a
// docker0 interface, iptables chains and a FORWARD policy of DROP that outlive the daemon), so containers run
// with `--network host` and listen on 127.0.0.1. The Debian client (/usr/bin/docker) talks to it through
// DOCKER_HOST; the legacy builder (DOCKER_BUILDKIT=0) builds offline from images this file imports.
import { execFile as execFileCallback, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Proc } from "../support/process.ts";
import { ensureCommand, tempDir } from "./_system.ts";

const execFile = promisify(execFileCallback);

/** The client docker.io installs (another one may come first on PATH). */
export const CLIENT = "/usr/bin/docker";
/** How long dockerd may take to answer on its socket before the engine counts as unable to run here. */
const START_MS = 30_000;

/** A running private dockerd. */
export interface Engine {
  /** Runs the client against this engine; rejects with the client's stderr on a non-zero exit. */
  docker(args: string[], options?: { timeout?: number }): Promise<string>;
  /** The same, blocking: for setup steps, never while a load runs in this process. */
  dockerSync(args: string[], options?: { input?: Uint8Array }): string;
  /** The client's environment (DOCKER_HOST…), for a client run as a child process (`docker logs -f`). */
  readonly env: Record<string, string>;
  /** Removes every container, stops the daemon and its containerd, removes the directory. */
  dispose(): Promise<void>;
}

/**
 * Installs docker.io if needed and starts a private dockerd. Resolves with the engine, or with the reason it
 * cannot run here (dockerd exited or did not answer within START_MS: its last log lines), which the caller
 * turns into a skip. A failed install is not such a reason: it throws, as the other deploy tests do.
 */
export async function startEngine(): Promise<Engine | string> {
  const dockerd = ensureCommand("dockerd", "docker.io");
  const dir = tempDir("gd-docker-");
  const socket = `unix://${join(dir.path, "docker.sock")}`;
  // Its own client config too: no credentials or contexts of the machine's.
  const clientEnv = { DOCKER_HOST: socket, DOCKER_BUILDKIT: "0", DOCKER_CONFIG: join(dir.path, "cli") };
  const env = { ...process.env, ...clientEnv };
  // An empty config file: a machine's /etc/docker/daemon.json could contradict these flags (dockerd then
  // refuses to start).
  writeFileSync(join(dir.path, "daemon.json"), "{}");
  const daemon = new Proc(dockerd, [
    `--config-file=${join(dir.path, "daemon.json")}`,
    `--data-root=${join(dir.path, "data")}`,
    `--exec-root=${join(dir.path, "exec")}`,
    `--pidfile=${join(dir.path, "docker.pid")}`,
    `--host=${socket}`,
    "--bridge=none",
    "--iptables=false",
    "--ip-forward=false",
    "--log-level=warn",
  ]);
  const ping = () =>
    spawnSync(CLIENT, ["version", "--format", "{{.Server.Version}}"], {
      env,
      encoding: "utf8",
      timeout: 5_000,
    });
  const deadline = performance.now() + START_MS;
  // No event says "the API answers": poll the socket until the deadline or until dockerd exits.
  while (ping().status !== 0) {
    if (!daemon.running || performance.now() > deadline) {
      const why = `dockerd did not start (${daemon.running ? `no answer in ${START_MS} ms` : "exited"}): ${
        daemon.output.trim().split("\n").slice(-5).join(" | ")
      }`;
      await stopDaemon(daemon, dir.path);
      dir.dispose();
      return why;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const fail = (args: string[], stderr: string) => new Error(`docker ${args.join(" ")}: ${stderr.trim()}`);
  return {
    env: clientEnv,
    async docker(args, options = {}) {
      try {
        return (await execFile(CLIENT, args, { env, encoding: "utf8", timeout: options.timeout ?? 60_000 }))
          .stdout;
      } catch (error) {
        throw fail(args, (error as { stderr?: string }).stderr ?? String(error));
      }
    },
    dockerSync(args, options = {}) {
      const run = spawnSync(CLIENT, args, { env, encoding: "utf8", timeout: 120_000, ...options });
      if (run.status !== 0) throw fail(args, run.stderr || String(run.error));
      return run.stdout;
    },
    async dispose() {
      const ids = spawnSync(CLIENT, ["ps", "-aq"], { env, encoding: "utf8" }).stdout?.trim().split("\n");
      // SIGKILL now rather than dockerd's own shutdown, which stops each container with its stop timeout.
      if (ids?.[0]) spawnSync(CLIENT, ["rm", "-f", ...ids], { env, timeout: 30_000 });
      await stopDaemon(daemon, dir.path);
      dir.dispose();
    },
  };
}

/**
 * Stops dockerd (which stops the containerd it started); if it does not exit, kills it and every process
 * started with our directory on its command line (containerd, its shims), by pid, and unmounts what is left.
 */
async function stopDaemon(daemon: Proc, dir: string): Promise<void> {
  daemon.kill("SIGTERM");
  try {
    await daemon.exit(20_000);
  } catch {
    daemon.dispose();
  }
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir)) process.kill(Number(pid), "SIGKILL");
    } catch {
      // ended while we looked
    }
  }
  const mounts = readFileSync("/proc/self/mounts", "utf8").split("\n").map((line) => line.split(" ")[1])
    .filter((point) => point?.startsWith(dir)).reverse();
  for (const point of mounts) spawnSync("umount", ["-l", point]);
}
