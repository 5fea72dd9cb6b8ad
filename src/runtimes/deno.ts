import type { RuntimeAdapter, ServerDrainer, StartedServer, StartOptions } from "./_adapter.ts";
import type { FetchHandler } from "../fetch.ts";
import { listenGlobalErrors } from "./_global_errors.ts";
import { processManager } from "./node/_managers.ts";
import { systemdNotifier } from "./_systemd.ts";

/**
 * The parts of a `Deno.HttpServer` (what `Deno.serve()` returns) this adapter uses.
 *
 * @example What Deno.serve() returns conforms
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DenoHttpServerLike } from "@graceful/drain";
 *
 * const server: DenoHttpServerLike = Deno.serve({ port: 0, onListen() {} }, () => new Response("ok"));
 * await server.shutdown();
 * await assert.doesNotReject(server.finished);
 * ```
 */
export interface DenoHttpServerLike {
  /** Closes the listener and every idle connection, lets open requests finish; safe to call again. */
  shutdown(): Promise<void>;
  /** Settles once the listener and every connection are closed. */
  readonly finished: Promise<void>;
}

/**
 * Whether `value` is a Deno `HttpServer` (what `Deno.serve()` returns).
 *
 * @param value Anything.
 * @returns True for an object with `shutdown()` and a `finished` promise.
 *
 * @example Recognising a Deno server
 * ```ts
 * import assert from "node:assert/strict";
 * import { isDenoServer } from "./deno.ts";
 *
 * assert.equal(isDenoServer({ shutdown: async () => {}, finished: Promise.resolve() }), true);
 * assert.equal(isDenoServer({ shutdown: async () => {} }), false);
 * ```
 */
export function isDenoServer(value: unknown): value is DenoHttpServerLike {
  const server = value as Partial<DenoHttpServerLike> | undefined;
  return typeof server?.shutdown === "function" && server.finished instanceof Promise;
}

/** @internal Whether `context` is Deno's `ServeHandlerInfo`: what `Deno.serve` and `deno serve` pass. */
export function isDenoInfo(context: unknown): boolean {
  const info = context as { completed?: unknown; remoteAddr?: unknown } | undefined;
  return info?.completed instanceof Promise && info.remoteAddr !== undefined;
}

/**
 * @internal Calls `onSent` once the response has been sent (or the client went away), when `context` is
 * Deno's `ServeHandlerInfo` (its `completed` promise); returns false, calling nothing, otherwise.
 */
export function denoWhenSent(context: unknown, onSent: () => void): boolean {
  const completed = (context as { completed?: unknown } | undefined)?.completed;
  if (!(completed instanceof Promise)) return false;
  completed.then(onSent, onSent);
  return true;
}

/**
 * Drains a `Deno.serve()` server: keeps it listening while the fetch wrapper refuses new requests, then
 * shuts it down once nothing is in flight.
 *
 * Deno 2.9 cannot close the listener alone: `shutdown()`, and aborting the serve `signal`, close idle
 * keep-alive connections at once, and a request a client is sending on one then is dropped unanswered. So
 * `drain()` does nothing and `close()` calls `shutdown()`. Nothing can force after `shutdown()`: aborting the
 * serve `signal` then throws an uncaught `BadResource` and closes nothing. So `force()`, at the deadline, only
 * calls `shutdown()` if `close()` has not (the listener would otherwise answer 503s until the process exits,
 * up to `cleanupTimeout` later), and the lifecycle's exit closes the connections it cut.
 *
 * @param server What `Deno.serve()` returns.
 * @returns The {@linkcode ServerDrainer} the lifecycle drives.
 *
 * @example Drain a Deno server
 * ```ts
 * import assert from "node:assert/strict";
 * import { denoDrainer } from "./deno.ts";
 *
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
 * const drainer = denoDrainer(server);
 * drainer.drain();        // still listening: the fetch wrapper answers new requests with 503
 * await drainer.close();  // listener and idle connections closed; resolves when the server has finished
 * await assert.rejects(fetch(`http://127.0.0.1:${server.addr.port}/`)); // nothing listens any more
 * ```
 */
export function denoDrainer(server: DenoHttpServerLike): ServerDrainer {
  let shutDown: Promise<void> | undefined;
  const shutdown = () => (shutDown ??= server.shutdown());
  return {
    drain(): void {},
    async close(): Promise<void> {
      await shutdown();
      await server.finished;
    },
    force(): void {
      void shutdown().catch(() => {});
    },
  };
}

/** The parts of the `Deno` namespace the adapter uses, typed here: the core type-checks without Deno's. */
interface DenoNamespace {
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
  exit(code: number): never;
  exitCode: number;
  unrefTimer(id: unknown): void;
  env: { get(name: string): string | undefined };
  build: { os: string };
  pid: number;
  // deno-lint-ignore no-explicit-any
  serve(options: Record<string, unknown>): any;
  Command: new (command: string, options: { args: string[]; stdout: "null"; stderr: "piped" }) => {
    output(): Promise<{ code: number; stderr: Uint8Array }>;
  };
}

/**
 * Ends the process through Deno's Node-compatible `process.exit()` where there is one: unlike `Deno.exit()`, it
 * runs the app's `process.on("exit")` listeners (loggers and telemetry flush there).
 */
function exitDeno(code: number): void {
  const process = (globalThis as { process?: { exit(code: number): never } }).process;
  if (process) process.exit(code);
  else deno().exit(code);
}

/** Deno sends unix datagrams only behind `--unstable-net`: through systemd's command, which needs `--allow-run`. */
const notifySystemd = systemdNotifier(async (args) => {
  const { code, stderr } = await new (deno().Command)("systemd-notify", {
    args,
    stdout: "null",
    stderr: "piped",
  })
    .output();
  if (code !== 0) {
    throw new Error(
      `systemd-notify ${args.join(" ")}: ${new TextDecoder().decode(stderr).trim() || `exit ${code}`}`,
    );
  }
});

const deno = (): DenoNamespace => (globalThis as unknown as { Deno: DenoNamespace }).Deno;

let timersWarm = false;

/**
 * Deno 2.9 loads its Node-compatible timers at a program's first `setTimeout()`: 13 ms on a quiet machine, 19
 * to 33 ms under load (measured). Done when the signals are first listened to, at startup, rather than by the
 * drain's first timer at the trigger, where it would delay the exit of an app that never set a timer.
 */
function warmTimers(): void {
  if (timersWarm) return;
  timersWarm = true;
  clearTimeout(setTimeout(() => {}, 0));
}

/** @internal Deno: its own signal, exit, environment and server APIs; errors through the global events. */
export const denoAdapter: RuntimeAdapter = {
  name: "deno",
  keepsCutConnections: true,
  defaultSignals: () => deno().build.os === "windows" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM"],
  listenSignals(signals, handler) {
    warmTimers();
    const removers: Array<() => void> = [];
    for (const name of signals) {
      const listener = () => handler(name);
      deno().addSignalListener(name, listener);
      // Deno 2.9 as PID 1 (a container) crashes with SIGSEGV on a signal that has no listener, also after
      // one was removed: there, the listener stays and the caller ignores what arrives after it stopped.
      if (deno().pid !== 1) removers.push(() => deno().removeSignalListener(name, listener));
    }
    return () => {
      for (const remove of removers.splice(0)) remove();
    };
  },
  listenErrors: listenGlobalErrors,
  exit: (code) => exitDeno(code),
  exitWhenIdle(code, fallbackMs, onFallback) {
    deno().exitCode = code;
    // Deno's Node-compatible `process` keeps its own exit code, which its exit listeners are given (0 unless
    // set). The first read of `globalThis.process` loads Deno's Node compatibility layer (30 ms, measured: the
    // idle stop took 36 ms instead of 5), so it is read only for a code those listeners would misread.
    if (code !== 0) {
      const process = (globalThis as { process?: { exitCode?: number } }).process;
      if (process) process.exitCode = code;
    }
    // Unref'd: it does not hold the loop, and fires only if something else does.
    deno().unrefTimer(setTimeout(() => {
      onFallback();
      exitDeno(code);
    }, fallbackMs));
  },
  env(name) {
    try {
      return deno().env.get(name);
    } catch {
      return undefined; // without --allow-env: as if unset, rather than fail
    }
  },
  // Only systemd is recognised on Deno: PM2 and node:cluster run Node (or Bun) processes.
  processManager() {
    const env = (name: string) => denoAdapter.env(name);
    const names = ["NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID"];
    return processManager(Object.fromEntries(names.map((name) => [name, env(name)])), false, deno().pid);
  },
  notifySystemd,
  startServer: startDenoServer,
  // Deno's shutdown() also closes idle keep-alive connections, losing a request sent on one at that
  // instant, so it is called when the drain begins, once the delay has shed keep-alive clients.
  releasePort(server, shutdown) {
    shutdown.onDrain(() => void (server as DenoHttpServerLike).shutdown().catch(() => {}));
  },
};

function startDenoServer(fetch: FetchHandler, options: StartOptions): Promise<StartedServer> {
  if (options.fd !== undefined) throw new TypeError(INHERITED_SOCKET);
  const server = deno().serve({
    ...options.serverOptions,
    port: options.port ?? 8000,
    ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
    ...(options.tls ?? {}),
    ...(options.reusePort ? { reusePort: true } : {}), // Deno throws without --unstable-net, saying so
    onListen: () => {}, // serve() reports the address itself
    handler: fetch,
  });
  return Promise.resolve({
    hostname: server.addr.hostname,
    port: server.addr.port,
    server,
    finished: server.finished,
    close: () => server.shutdown(),
  });
}

const INHERITED_SOCKET =
  "Cannot serve: systemd passed a listening socket (LISTEN_FDS, socket activation), and " +
  "Deno.serve() cannot listen on one yet (it has no fd option). Start a node:http server with " +
  "server.listen({ fd: 3 }) and shutdown.attach(server) instead (Deno's node:http can), or drop the .socket unit";
