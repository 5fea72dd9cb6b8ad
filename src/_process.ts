import { detectRuntime } from "./runtimes/detect.ts";

interface ProcessLike {
  exit(code: number): never;
  on(event: string, handler: (error: unknown) => void): unknown;
  off(event: string, handler: (error: unknown) => void): unknown;
}

/** @internal Ends the process with `code` through the runtime's own API. */
export function exitProcess(code: number): void {
  const g = globalThis as { Deno?: { exit(code: number): never }; process?: ProcessLike };
  if (detectRuntime() === "deno") g.Deno?.exit(code);
  else g.process?.exit(code);
}

/**
 * @internal Calls `handler` on an uncaught exception or unhandled rejection, in place of the runtime's
 * default (which would end the process before the drain). Returns the function that removes the listeners.
 */
export function listenErrors(handler: (error: unknown) => void): () => void {
  const g = globalThis as {
    process?: ProcessLike;
    addEventListener?: (type: string, listener: (event: Event) => void) => void;
    removeEventListener?: (type: string, listener: (event: Event) => void) => void;
  };
  const runtime = detectRuntime();
  if (runtime === "node" || runtime === "bun") {
    const process = g.process!;
    process.on("uncaughtException", handler);
    process.on("unhandledRejection", handler);
    return () => {
      process.off("uncaughtException", handler);
      process.off("unhandledRejection", handler);
    };
  }
  if (typeof g.addEventListener !== "function") return () => {};
  // Deno, workerd and browsers report both through global events; preventDefault() keeps the process alive.
  const onError = (event: Event) => {
    event.preventDefault();
    handler((event as Event & { error?: unknown }).error);
  };
  const onRejection = (event: Event) => {
    event.preventDefault();
    handler((event as Event & { reason?: unknown }).reason);
  };
  g.addEventListener("error", onError);
  g.addEventListener("unhandledrejection", onRejection);
  return () => {
    g.removeEventListener?.("error", onError);
    g.removeEventListener?.("unhandledrejection", onRejection);
  };
}
