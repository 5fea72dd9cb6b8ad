// What the deployment tests need from the machine: Debian packages installed on demand, free ports, and
// child processes (an app instance, HAProxy, supervisord) that are always killed when a test ends.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
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

/** A port free on 127.0.0.1 right now: the kernel's pick for port 0, released again. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A temporary directory, removed by `dispose()`. */
export function tempDir(prefix: string): { path: string; dispose(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, dispose: () => rmSync(path, { recursive: true, force: true }) };
}

/** A child process whose output is kept and watched line by line. */
export class Child {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  output = "";
  #waiters = new Set<() => void>();

  constructor(command: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
    this.child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const collect = (text: string) => {
      this.output += text;
      for (const wake of this.#waiters) wake();
    };
    this.child.stdout!.setEncoding("utf8").on("data", collect);
    this.child.stderr!.setEncoding("utf8").on("data", collect);
    this.exited = new Promise((resolve) =>
      this.child.on("exit", (code, signal) => {
        resolve({ code, signal });
        for (const wake of this.#waiters) wake();
      })
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Resolves once the output (from `from` on) matches `pattern`; fails after `ms` or when the process exits
   * first. Returns the match and the offset after it, to wait for the next one from there.
   */
  waitFor(pattern: RegExp, ms: number, from = 0): Promise<{ match: RegExpExecArray; end: number }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`timed out after ${ms} ms waiting for ${pattern}`)), ms);
      const done = (error?: Error, found?: { match: RegExpExecArray; end: number }) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        if (error) reject(new Error(`${error.message}\noutput of pid ${this.child.pid}:\n${this.output}`));
        else resolve(found!);
      };
      const check = () => {
        const match = new RegExp(pattern.source, pattern.flags.replace("g", "")).exec(
          this.output.slice(from),
        );
        if (match) done(undefined, { match, end: from + match.index + match[0].length });
        else if (!this.running) done(new Error(`the process exited before ${pattern}`));
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Sends a signal if the process still runs. */
  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Resolves with the exit, or kills the process and fails after `ms`. */
  async exit(ms: number): Promise<{ code: number | null; signal: string | null }> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill("SIGKILL");
        reject(new Error(`pid ${this.child.pid} did not exit within ${ms} ms:\n${this.output}`));
      }, ms);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process if it still runs (test cleanup). */
  dispose(): void {
    this.kill("SIGKILL");
  }
}
