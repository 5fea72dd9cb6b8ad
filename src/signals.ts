import { detectRuntime } from "./runtimes/detect.ts";

/** POSIX numbers of the signals a shutdown may listen to; the exit code after a second signal is 128 + n. */
export const SIGNAL_NUMBERS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGTERM: 15,
  SIGBREAK: 21,
};

interface DenoSignals {
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
  build: { os: string };
  pid: number;
}
interface NodeProcess {
  on(event: string, handler: (...args: never[]) => void): unknown;
  off(event: string, handler: (...args: never[]) => void): unknown;
  platform?: string;
}

/** @internal The runtime's own `Deno` namespace, when there is one. */
export function denoNamespace(): DenoSignals | undefined {
  return (globalThis as { Deno?: DenoSignals }).Deno;
}

/** @internal Node's (or Bun's, or Deno's compatibility) `process`, when there is one. */
export function nodeProcess(): NodeProcess | undefined {
  return (globalThis as unknown as { process?: NodeProcess }).process;
}

/**
 * The signals listened to by default: SIGINT and SIGTERM, or SIGINT and SIGBREAK on Windows (which has no
 * SIGTERM to listen to). Empty where the runtime has no signal API (edge runtimes).
 *
 * @returns The signal names.
 *
 * @example
 * ```ts
 * import { defaultSignals } from "./signals.ts";
 *
 * console.log(defaultSignals().includes("SIGINT")); // true on Deno, Bun and Node
 * ```
 */
export function defaultSignals(): string[] {
  const runtime = detectRuntime();
  if (runtime === "deno") {
    return denoNamespace()?.build.os === "windows" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM"];
  }
  if (runtime === "node" || runtime === "bun") {
    return nodeProcess()?.platform === "win32" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM"];
  }
  return [];
}

/**
 * Listens to OS signals through the runtime's own API (`Deno.addSignalListener`, `process.on`).
 *
 * @param signals Signal names such as `"SIGTERM"`.
 * @param handler Called with the signal's name each time one arrives.
 * @returns A function that removes every listener it added; calling it twice is harmless.
 * @throws {Error} When the runtime has no signal API and `signals` is not empty.
 *
 * @example Reacting to SIGHUP until told to stop
 * ```ts
 * import { listenSignals } from "./signals.ts";
 *
 * const stop = listenSignals(["SIGHUP"], (name: string) => console.log(`got ${name}`));
 * stop();
 * ```
 */
export function listenSignals(signals: readonly string[], handler: (signal: string) => void): () => void {
  if (signals.length === 0) return () => {};
  const removers: Array<() => void> = [];
  const deno = detectRuntime() === "deno" ? denoNamespace() : undefined;
  const process = nodeProcess();
  for (const name of signals) {
    const listener = () => handler(name);
    if (deno) {
      deno.addSignalListener(name, listener);
      // Deno 2.9 as PID 1 (a container) crashes with SIGSEGV on a signal that has no listener, also after
      // one was removed: there, the listener stays and the caller ignores what arrives after it stopped.
      if (deno.pid !== 1) removers.push(() => deno.removeSignalListener(name, listener));
    } else if (process) {
      process.on(name, listener);
      removers.push(() => process.off(name, listener));
    } else {
      throw new Error(`Cannot listen to ${name}: this runtime has no signal API; use { signals: false }`);
    }
  }
  return () => {
    for (const remove of removers.splice(0)) remove();
  };
}
