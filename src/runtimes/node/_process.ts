import type { RuntimeAdapter } from "../_adapter.ts";
import { type ProcessManager, processManager } from "./_managers.ts";
import { systemdNotifier } from "../_systemd.ts";

/** The parts of Node's `process` (also Bun's) the adapters use. */
interface NodeProcess {
  on(event: string, handler: (...args: never[]) => void): unknown;
  off(event: string, handler: (...args: never[]) => void): unknown;
  exit(code: number): never;
  exitCode?: number | string;
  /** Present when an IPC parent (PM2, a node:cluster primary) started this process. */
  send?(message: unknown): unknown;
  /** The IPC channel to the parent, when there is one. */
  readonly channel?: { unref(): void };
  /** Node >= 22.3, Deno, Bun: a built-in module without an import. */
  getBuiltinModule?(id: string): unknown;
  readonly platform?: string;
  readonly env?: Record<string, string | undefined>;
  readonly versions?: { node?: string };
  readonly pid?: number;
}

/** The part of `node:child_process` used to run `systemd-notify`. */
interface ChildProcessModule {
  execFile(
    file: string,
    args: string[],
    options: { timeout: number },
    callback: (error: (Error & { code?: unknown }) | null, stdout: string, stderr: string) => void,
  ): unknown;
}

/** @internal Node's `process` (or Bun's): the adapters run only where it exists. */
export function nodeProcess(): NodeProcess {
  return (globalThis as unknown as { process: NodeProcess }).process;
}

let announced = false;

/** @internal The process manager running this process (see `_managers.ts`). */
export function currentManager(): ProcessManager | undefined {
  const process = nodeProcess();
  // Node's cluster removes NODE_UNIQUE_ID from a worker's environment once it has read it: ask the module.
  const cluster = process.getBuiltinModule?.("node:cluster") as { isWorker?: boolean } | undefined;
  return processManager(process.env ?? {}, cluster?.isWorker ?? false, process.pid);
}

/** How long one `systemd-notify` may take (it waits until systemd has read the message). */
const NOTIFY_TIMEOUT = 5_000;

const notifySystemd = systemdNotifier((args) =>
  new Promise((resolve, reject) => {
    const childProcess = nodeProcess().getBuiltinModule?.("node:child_process") as ChildProcessModule;
    childProcess.execFile("systemd-notify", args, { timeout: NOTIFY_TIMEOUT }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      reject(
        new Error(`systemd-notify ${args.join(" ")}: ${stderr.trim() || error.message}`, { cause: error }),
      );
    });
  })
);

/** @internal The process-level half of an adapter, shared by Node and Bun, which both have Node's `process`. */
export const processAdapter: Pick<
  RuntimeAdapter,
  | "defaultSignals"
  | "listenSignals"
  | "listenErrors"
  | "exit"
  | "exitWhenIdle"
  | "env"
  | "processManager"
  | "announceReady"
  | "notifySystemd"
> = {
  defaultSignals: () => nodeProcess().platform === "win32" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM"],
  listenSignals(signals, handler) {
    const process = nodeProcess();
    const removers = signals.map((name) => {
      const listener = () => handler(name);
      process.on(name, listener);
      return () => process.off(name, listener);
    });
    // PM2 on Windows (or with `shutdown_with_message`) asks by message, where it cannot signal.
    if (signals.includes("SIGINT") && currentManager()?.name === "PM2") {
      const onMessage = (message: unknown) => message === "shutdown" && handler("SIGINT");
      process.on("message", onMessage as (...args: never[]) => void);
      removers.push(() => process.off("message", onMessage as (...args: never[]) => void));
    }
    return () => {
      for (const remove of removers.splice(0)) remove();
    };
  },
  listenErrors(handler) {
    const process = nodeProcess();
    process.on("uncaughtException", handler);
    process.on("unhandledRejection", handler);
    return () => {
      process.off("uncaughtException", handler);
      process.off("unhandledRejection", handler);
    };
  },
  exit: (code) => nodeProcess().exit(code),
  exitWhenIdle(code, fallbackMs, onFallback) {
    const process = nodeProcess();
    process.exitCode = code;
    // An IPC channel (PM2, a node:cluster primary) would hold the loop open for ever: let go of it.
    process.channel?.unref();
    // Unref'd: it does not hold the loop, and fires only if something else does.
    setTimeout(() => {
      onFallback();
      process.exit(code);
    }, fallbackMs).unref();
  },
  env: (name) => nodeProcess().env?.[name],
  processManager: currentManager,
  announceReady() {
    const process = nodeProcess();
    if (announced || currentManager()?.name !== "PM2" || !process.send) return;
    announced = true;
    process.send("ready");
  },
  notifySystemd,
};
