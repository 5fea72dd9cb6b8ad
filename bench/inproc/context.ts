// What each runtime's server passes beside the request, for in-process benchmarks: the gate takes the same
// path as behind the real server (Deno's `completed`, Node's `outgoing` "close", Bun's server), instead of
// the body-tracking fallback that only fetch handlers without a server take. Bare apps get it too and ignore
// it, so that building it costs both sides alike.
import { detectRuntime } from "../../src/runtimes/detect.ts";

export interface Context {
  env: unknown;
  /** The response has been sent: what the runtime would signal. */
  sent(): void;
}

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
const runtime = detectRuntime();
const bunServer = runtime === "bun"
  ? g.Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() })
  : undefined;

export function makeContext(): Context {
  if (runtime === "deno") {
    let resolve!: () => void;
    const completed = new Promise<void>((r) => (resolve = r));
    return { env: { completed, remoteAddr: undefined }, sent: resolve };
  }
  if (runtime === "bun") return { env: bunServer, sent() {} };
  let listener: (() => void) | undefined;
  const outgoing = { once: (_event: string, fn: () => void) => void (listener = fn) };
  return { env: { incoming: { httpVersionMajor: 1 }, outgoing }, sent: () => listener?.() };
}

/** Lets the process exit (Bun's server would hold it). */
export function closeContexts(): void {
  bunServer?.stop(true);
}
