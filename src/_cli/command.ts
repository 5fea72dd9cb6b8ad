// The command under test: started in its own process group (so that whatever it starts can be cleaned up),
// its output passed on, its port awaited, its exit observed.
// Started through node:child_process, which Node, Deno and Bun all provide; this process's own environment
// and signals through `runtimes/_cli_process.ts`.
import { type ChildProcess, spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { inheritedEnvironment, killProcessGroup } from "../runtimes/_cli_process.ts";
import { UsageError } from "./args.ts";

/** How the command ended: an exit code, or the signal that ended it. */
export interface CommandExit {
  code: number | null;
  signal: string | null;
  /** `performance.now()` at the exit. */
  at: number;
}

/** The app failed (exited early, never listened): exit status 1, with this message. */
export class AppFailure extends Error {
  /** @param message What went wrong, for the user. */
  constructor(message: string) {
    super(message);
    this.name = "AppFailure";
  }
}

/**
 * A free TCP port on `host`, as the system picks it for port 0 (free at the time of the call).
 *
 * @example Picking a port
 * ```ts
 * import assert from "node:assert/strict";
 * import { freePort } from "./command.ts";
 *
 * const port = await freePort("127.0.0.1");
 * assert.ok(port > 0 && port < 65_536);
 * ```
 */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Whether `host:port` accepts a TCP connection now.
 *
 * @example A closed port
 * ```ts
 * import assert from "node:assert/strict";
 * import { accepts, freePort } from "./command.ts";
 *
 * assert.equal(await accepts("127.0.0.1", await freePort("127.0.0.1")), false);
 * ```
 */
export function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * A command started as a child process in its own process group.
 *
 * @example Running a command to its end
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "./command.ts";
 *
 * const command = Command.start("node", ["-e", "process.exit(3)"], {}, () => {});
 * assert.equal((await command.exited).code, 3);
 * ```
 */
export class Command {
  /** Settles when the command has exited. */
  readonly exited: Promise<CommandExit>;
  /** The exit, once it happened. */
  exit: CommandExit | undefined;
  #child: ChildProcess;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => resolve(this.exit = { code, signal, at: performance.now() }));
    });
  }

  /**
   * Starts `file args…` with `env` added to this process's environment.
   * @param file The program.
   * @param args Its arguments.
   * @param env Variables to add (e.g. `PORT`).
   * @param output Receives what the command writes on stdout and stderr.
   * @returns The running command.
   * @throws {UsageError} When the program cannot be started (not found, not executable).
   */
  static start(
    file: string,
    args: string[],
    env: Record<string, string>,
    output: (chunk: Uint8Array) => void,
  ): Command {
    const child = spawn(file, args, {
      env: inheritedEnvironment(env),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    if (child.pid === undefined) {
      child.once("error", () => {}); // reported here, synchronously, instead
      throw new UsageError(`cannot start ${JSON.stringify(file)}: not found or not executable`);
    }
    child.stdout!.on("data", output);
    child.stderr!.on("data", output);
    return new Command(child);
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid!;
  }

  /**
   * Sends `signal` to the command (not its group: as a process manager signals its main process).
   * @param signal E.g. `SIGTERM`.
   */
  kill(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** SIGKILLs the command's whole process group: whatever it started is gone too. */
  killGroup(): void {
    killProcessGroup(this.pid);
  }

  /**
   * Resolves once `host:port` accepts connections; checks every `periodMs` (nothing tells an outsider that
   * a port opened).
   * @param host The address.
   * @param port The port.
   * @param timeoutMs How long to wait at most.
   * @throws {AppFailure} When the command exits first or the port stays closed for `timeoutMs`.
   */
  async listening(host: string, port: number, timeoutMs: number, periodMs = 25): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.exit) {
        throw new AppFailure(
          `the command exited (${describeExit(this.exit)}) before listening on ${host}:${port}`,
        );
      }
      if (await accepts(host, port)) return;
      if (performance.now() >= deadline) {
        throw new AppFailure(
          `nothing accepted connections on ${host}:${port} within ${timeoutMs} ms (--startup-timeout): ` +
            `does the command listen on the PORT it is given (or on --port)?`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.exited, new Promise((resolve) => (timer = setTimeout(resolve, periodMs)))]);
      clearTimeout(timer);
    }
  }
}

/**
 * `exit 0`, `exit 1`, `SIGKILL`: how a process ended, in a word or two.
 *
 * @example Describing exits
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeExit } from "./command.ts";
 *
 * assert.equal(describeExit({ code: 0, signal: null }), "exit 0");
 * assert.equal(describeExit({ code: null, signal: "SIGKILL" }), "SIGKILL");
 * ```
 */
export function describeExit(exit: { code: number | null; signal: string | null }): string {
  return exit.signal ?? `exit ${exit.code}`;
}
