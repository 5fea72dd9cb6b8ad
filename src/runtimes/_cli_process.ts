/**
 * @internal What the `graceful-drain` command (`src/cli.ts`) needs of the process it runs in: its arguments,
 * its output, its interruption and exit, the environment its command inherits, and killing a process group.
 * Through `node:process` on every runtime the command runs on (Node, Deno and Bun all provide it): the command
 * is a program of its own, not the library inside a user's server, so it needs no adapter; it lives here
 * because runtime globals live only under `src/runtimes/`.
 */
import { constants } from "node:os";
import process from "node:process";

/** The command line after the program's own name. */
export function cliArguments(): string[] {
  return process.argv.slice(2);
}

/** Writes `text` to standard output; resolves once it has been handed on (before an exit). */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve) => process.stdout.write(text, () => resolve()));
}

/** Writes `text` (or the command's own output) to standard error; resolves once it has been handed on. */
export function writeError(text: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => process.stderr.write(text, () => resolve()));
}

/** Calls `handler` with the exit code a signal calls for (128 + n) at the first SIGINT, SIGTERM or SIGHUP. */
export function onInterrupt(handler: (exitCode: number) => void): void {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => handler(128 + constants.signals[signal]));
  }
}

/** Ends the process with `code` now. */
export function exitNow(code: number): never {
  return process.exit(code);
}

/** This process's environment with `extra` added: what a command started from here inherits. */
export function inheritedEnvironment(extra: Record<string, string>): Record<string, string | undefined> {
  return { ...process.env, ...extra };
}

/** SIGKILLs the process group `pid` leads; nothing when it is already gone. */
export function killProcessGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch { /* the group is already gone */ }
}
