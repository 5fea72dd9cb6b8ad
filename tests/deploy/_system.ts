// What the deployment tests need from the machine: Debian packages installed on demand, free ports and
// temporary directories. Their child processes (an app instance, HAProxy, supervisord) are tests/support/'s.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let updated = false;

/**
 * Makes sure `command` exists, installing the Debian package `pkg` when it does not (CI runs as root on a
 * fresh Debian without it). Throws with apt's output when that fails.
 */
export function ensureCommand(command: string, pkg: string): string {
  const which = () => spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).stdout.trim();
  if (which()) return which();
  const apt = (...args: string[]) => {
    const run = spawnSync("apt-get", args, {
      encoding: "utf8",
      timeout: 300_000,
      // No questions, and no service started by the package's install script: the tests start their own.
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive", RUNLEVEL: "1" },
    });
    if (run.status !== 0) {
      throw new Error(`apt-get ${args.join(" ")} failed (${run.status}): ${run.stderr || run.error}`);
    }
  };
  if (!updated) apt("update");
  updated = true;
  apt("install", "-y", "--no-install-recommends", pkg);
  if (!which()) throw new Error(`installed ${pkg}, still no ${command} on PATH`);
  return which();
}

export { freePort } from "../support/ports.ts";

/** A temporary directory, removed by `dispose()`. */
export function tempDir(prefix: string): { path: string; dispose(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, dispose: () => rmSync(path, { recursive: true, force: true }) };
}
