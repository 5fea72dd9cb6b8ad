/**
 * @internal The one place that chooses by runtime: the adapter of the runtime this code runs on, the drainer
 * for a server `attach()` is given, and what the gate learns from the value a runtime passes beside the
 * request. Each recogniser lives with its runtime's adapter.
 */
import type { RuntimeAdapter, ServerDrainer, ShutdownEvents } from "./_adapter.ts";
import type { RequestGateHost } from "./node/_request_gate.ts";
import { bunAdapter, bunDrainer, isBunServer } from "./bun.ts";
import { denoAdapter, denoDrainer, denoWhenSent, isDenoInfo, isDenoServer } from "./deno.ts";
import { detectRuntime } from "./detect.ts";
import { edgeAdapter } from "./edge.ts";
import { nodeWhenSent } from "./node/_bindings.ts";
import { isNodeHttpServer, nodeHttpDrainer } from "./node/http.ts";
import { isNodeHttp2Server, nodeHttp2Drainer } from "./node/http2.ts";
import { nodeAdapter } from "./node/mod.ts";

export { isBunServer, liftIdleTimeouts } from "./bun.ts";
export { type ExecutionContextLike, executionContextOf } from "./edge.ts";
export { isHttp2Request } from "./node/_bindings.ts";
export { gatedEntry, type RequestGateHost } from "./node/_request_gate.ts";

/** What a server's drainer may use of the shutdown: its events and its gate. */
export interface ServerHost extends ShutdownEvents {
  readonly gate: RequestGateHost;
}

/** The adapter of the runtime this code runs on. */
export function runtimeAdapter(): RuntimeAdapter {
  const runtime = detectRuntime();
  if (runtime === "deno") return denoAdapter;
  if (runtime === "bun") return bunAdapter;
  if (runtime === "node") return nodeAdapter;
  return edgeAdapter(runtime);
}

/**
 * The drainer for `server`, by its kind (node:http2 first: it has node:http's methods too); else undefined.
 * A node:http(s)/http2 server also gets a gate at its request event, for the `(req, res)` handlers of
 * Express, Koa or Fastify that no fetch-level gate stands in front of.
 */
export function drainerFor(server: unknown, host: ServerHost): ServerDrainer | undefined {
  if (isNodeHttp2Server(server)) return nodeHttp2Drainer(server, host);
  if (isNodeHttpServer(server)) return nodeHttpDrainer(server, { host });
  // Deno.serve() and Bun.serve() return listening servers (node:http's drainer waits for "listening").
  const drainer = isDenoServer(server)
    ? denoDrainer(server)
    : isBunServer(server)
    ? bunDrainer(server)
    : undefined;
  if (drainer) host.announceReady();
  return drainer;
}

/**
 * Calls `onSent` once the response has been sent, by the runtime's own completion signal (Deno's
 * `info.completed`, the node:http response's "close"); false when the context offers none (Bun, edge
 * runtimes, `app.request()`), and the caller must follow the body instead.
 */
export function whenSent(context: unknown, onSent: () => void): boolean {
  return denoWhenSent(context, onSent) || nodeWhenSent(context, onSent);
}

/**
 * What the first request tells of the server it came through, when no server was attached: Bun passes its
 * Server, which the shutdown then owns as `attach()` would (Bun's `export default` starts it); Deno passes
 * only its info, so a server started by `deno serve` cannot be owned, and a warning says so.
 */
export function serverFromContext(
  context: unknown,
): { drainer: ServerDrainer } | { warning: string } | undefined {
  if (isBunServer(context)) return { drainer: bunDrainer(context) };
  if (isDenoInfo(context)) return { warning: UNOWNED_DENO_SERVER };
  return undefined;
}

const UNOWNED_DENO_SERVER =
  "requests come through a Deno server that was not attached (deno serve starts and " +
  "stops its own): at SIGTERM it closes its listener and idle keep-alive connections at once, and a request " +
  "sent then is lost. Run the app with `deno run` and serve(), or Deno.serve() and shutdown.attach(server)";
