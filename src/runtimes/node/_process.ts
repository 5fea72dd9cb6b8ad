import type { RuntimeAdapter } from "../_adapter.ts";

/** The parts of Node's `process` (also Bun's) the adapters use. */
interface NodeProcess {
  on(event: string, handler: (...args: never[]) => void): unknown;
  off(event: string, handler: (...args: never[]) => void): unknown;
  exit(code: number): never;
  exitCode?: number | string;
  readonly platform?: string;
  readonly env?: Record<string, string | undefined>;
  readonly versions?: { node?: string };
}

/** @internal Node's `process` (or Bun's): the adapters run only where it exists. */
export function nodeProcess(): NodeProcess {
  return (globalThis as unknown as { process: NodeProcess }).process;
}

/** @internal The process-level half of an adapter, shared by Node and Bun, which both have Node's `process`. */
export const processAdapter: Pick<
  RuntimeAdapter,
  "defaultSignals" | "listenSignals" | "listenErrors" | "exit" | "exitWhenIdle" | "env"
> = {
  defaultSignals: () => nodeProcess().platform === "win32" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM"],
  listenSignals(signals, handler) {
    const process = nodeProcess();
    const removers = signals.map((name) => {
      const listener = () => handler(name);
      process.on(name, listener);
      return () => process.off(name, listener);
    });
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
    // Unref'd: it does not hold the loop, and fires only if something else does.
    setTimeout(() => {
      onFallback();
      process.exit(code);
    }, fallbackMs).unref();
  },
  env: (name) => nodeProcess().env?.[name],
};
