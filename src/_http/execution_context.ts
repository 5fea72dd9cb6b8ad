import type { Shutdown } from "../types.ts";

/** @internal The part of an ExecutionContext (Workers', Hono's `c.executionCtx`) servers do not provide. */
export interface ServerExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
  readonly props: Record<string, unknown>;
}

/**
 * @internal The execution context `serve()` passes as the handler's third argument, where Deno's, Bun's and
 * Node's servers pass none (Hono's `c.executionCtx` then throws): its `waitUntil` is the shutdown's, so that
 * background work started in a request holds the drain. One object for every request: nothing per request.
 */
export function serverExecutionContext(shutdown: Shutdown): ServerExecutionContext {
  return {
    waitUntil: (promise) => shutdown.waitUntil(promise, { name: "executionCtx.waitUntil" }),
    passThroughOnException() {},
    props: {},
  };
}
