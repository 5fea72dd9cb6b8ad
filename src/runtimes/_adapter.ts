import type { FetchHandler } from "../fetch.ts";
import type { Runtime } from "./detect.ts";
import type { CutItem } from "../report.ts";
import type { ProcessManager } from "./node/_managers.ts";

/**
 * @internal Everything graceful-drain needs of a runtime. One plain object per runtime conforms (`deno.ts`,
 * `bun.ts`, `node/mod.ts`, `edge.ts`), and `_select.ts` picks it once: outside `src/runtimes/` no code
 * touches `Deno`, `Bun` or `process`.
 */
export interface RuntimeAdapter {
  readonly name: Runtime;
  /** The signals listened to by default (SIGINT and SIGTERM, or SIGBREAK on Windows); none on edge runtimes. */
  defaultSignals(): string[];
  /** Listens to OS signals; returns the function that removes every listener (twice is harmless). */
  listenSignals(signals: readonly string[], handler: (signal: string) => void): () => void;
  /** Calls `handler` on an uncaught exception or unhandled rejection instead of the runtime's default. */
  listenErrors(handler: (error: unknown) => void): () => void;
  /** Ends the process with `code` now; does nothing where there is no process (edge runtimes). */
  exit(code: number): void;
  /**
   * Ends the process with `code` once its event loop has emptied, so that the app's own `beforeExit` and
   * `exit` listeners run (telemetry and loggers flush there); if something still holds the loop after
   * `fallbackMs`, calls `onFallback` and ends it then. Does nothing where there is no process.
   */
  exitWhenIdle(code: number, fallbackMs: number, onFallback: () => void): void;
  /** The drain cannot force-close a connection it cut (Deno): it may hold the loop until the exit. */
  readonly keepsCutConnections?: boolean;
  /** An environment variable, or undefined when unset or not readable (Deno without --allow-env). */
  env(name: string): string | undefined;
  /** The process manager running this process (PM2, node:cluster), where it says so in the environment. */
  processManager?(): ProcessManager | undefined;
  /**
   * Tells the process manager the server listens, where it asks (PM2's `wait_ready`: `process.send("ready")`);
   * once per process.
   */
  announceReady?(): void;
  /**
   * Sends one sd_notify message (`READY=1`, `STATUS=…`) to systemd's `NOTIFY_SOCKET`, after those sent
   * before; rejects when it could not (no `systemd-notify`, not allowed to run it).
   */
  notifySystemd?(fields: string[]): Promise<void>;
  /**
   * Handlers get an execution context with the platform's own `waitUntil` (edge runtimes), which the gate
   * records so that `shutdown.waitUntil()` reaches it.
   */
  readonly executionContexts?: boolean;
  /**
   * The runtime sends a body it made itself (a string, bytes, a Blob, a `fetch()` body) with its length, and
   * a JavaScript stream chunked (workerd): the gate follows the former through a tee, which keeps the length.
   */
  readonly nativeBodyLengths?: boolean;
  /** Starts the runtime's own HTTP server for `fetch`, resolving once it listens; absent on edge runtimes. */
  startServer?(fetch: FetchHandler, options: StartOptions): Promise<StartedServer>;
  /**
   * For a server started with `reusePort`: gives the port up during the shutdown, so that the kernel sends
   * new connections to the process that takes over; connections already open are left to the drain.
   */
  releasePort?(server: unknown, shutdown: ShutdownEvents): void;
}

/** @internal The lifecycle's events an adapter may subscribe to; each returns its unsubscribe function. */
export interface ShutdownEvents {
  /** The shutdown started (the trigger). */
  onStart(callback: () => void): () => void;
  /** Draining began (after the delay). */
  onDrain(callback: () => void): () => void;
  /** A server listens: tell a process manager that waits for it (PM2's `ready`, systemd's READY=1). */
  announceReady(): void;
}

/** @internal What `serve()` asks of the runtime's server. */
export interface StartOptions {
  port?: number;
  hostname?: string;
  tls?: { cert: string; key: string };
  http2?: boolean;
  websocket?: unknown;
  reusePort?: boolean;
  /** Listen on this inherited listening socket (systemd's socket activation) instead of `port`. */
  fd?: number;
  /** Merged into the runtime's own call (`Bun.serve`, `Deno.serve`, Node's `createServer`). */
  serverOptions?: Record<string, unknown>;
}

/** @internal A running server, whatever the runtime. */
export interface StartedServer {
  hostname: string;
  port: number;
  server: unknown;
  /** Resolves when the server has closed; undefined where the runtime offers no such event (Bun). */
  finished: Promise<void> | undefined;
  /** Closes it now, connections included. */
  close(): Promise<void>;
}

/**
 * @internal The one small interface every server kind's drainer conforms to. `attach()` picks the drainer
 * for the server it is given; the lifecycle calls these methods, in this order, at most once each.
 */
export interface ServerDrainer {
  /**
   * Draining has begun. Stop accepting new connections where the runtime can do so without closing the
   * existing ones; otherwise keep listening (the gate answers new requests with a 503). Must not close idle
   * keep-alive connections now: a client may be sending on them at this instant.
   */
  drain(): void;
  /**
   * The drain is over and nothing is in flight: close the listener if still open and every connection that
   * stayed idle, so that the process can exit. Resolves when the server has closed (bounded by the caller).
   */
  close(): Promise<void>;
  /**
   * The drain deadline passed: force-close every remaining connection now. Returns what it cut that the
   * gate could not count itself (Bun's responses still being sent), for the report.
   */
  force(): CutItem[] | void;
  /**
   * Whether any connection that could still carry a request is open. Where a runtime cannot tell (Deno,
   * Bun), leave it out: the lifecycle then gives idle keep-alive connections their grace before `close()`
   * whenever the gate cannot rule them out.
   */
  hasConnections?(): boolean;
}
