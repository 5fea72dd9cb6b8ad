import type { ServerDrainer } from "./_adapter.ts";

/**
 * The parts of a Bun `Server` (what `Bun.serve()` returns) this adapter uses.
 *
 * @example What Bun.serve() returns conforms
 * ```ts ignore
 * // ignore: needs the Bun runtime.
 * import type { BunServerLike } from "@graceful/drain";
 *
 * const server: BunServerLike = Bun.serve({ port: 0, fetch: () => new Response("ok") });
 * await server.stop();
 * ```
 */
export interface BunServerLike {
  /**
   * Closes the listener and every idle connection at once. Graceful: resolves once every response has been
   * sent to its last byte and every WebSocket has closed. With `true`: aborts each `request.signal`, cancels
   * streamed bodies, closes WebSockets with 1001 and every connection, and settles an earlier graceful call.
   */
  stop(closeActiveConnections?: boolean): Promise<void>;
}

/**
 * Drains a `Bun.serve()` server: keeps it listening while the fetch wrapper refuses new requests, then stops
 * it gracefully once nothing is in flight, and forcibly at the deadline.
 *
 * Bun 1.4 cannot close the listener alone: `stop()` also closes every idle keep-alive connection at once, and
 * a request a client is sending on one then gets no answer. So `drain()` does nothing; `close()` calls
 * `stop()`, which still waits for responses being written (a streamed body to its last byte) and WebSockets;
 * `force()` calls `stop(true)`, which also ends a pending `close()`.
 *
 * @param server What `Bun.serve()` returns.
 * @returns The {@linkcode ServerDrainer} the lifecycle drives.
 *
 * @example Drain a Bun server
 * ```ts ignore
 * // ignore: needs the Bun runtime.
 * import { bunDrainer } from "./bun.ts";
 *
 * const server = Bun.serve({ port: 0, fetch: () => new Response("ok") });
 * const drainer = bunDrainer(server);
 * drainer.drain();        // still listening: the fetch wrapper answers new requests with 503
 * await drainer.close();  // listener and idle connections closed; resolves when the last response is sent
 * ```
 */
export function bunDrainer(server: BunServerLike): ServerDrainer {
  let stopping: Promise<void> | undefined;
  return {
    drain(): void {},
    close(): Promise<void> {
      // A second graceful stop() would wait on the same connections; one is enough.
      return (stopping ??= server.stop());
    },
    force(): void {
      // stop(true) resolves once the sockets are closed; nothing is left to wait for or report.
      server.stop(true).catch(() => {});
    },
  };
}
