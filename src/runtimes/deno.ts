import type { ServerDrainer } from "./_adapter.ts";

/**
 * The parts of a `Deno.HttpServer` (what `Deno.serve()` returns) this adapter uses.
 *
 * @example What Deno.serve() returns conforms
 * ```ts
 * import type { DenoHttpServerLike } from "@graceful/drain";
 *
 * const server: DenoHttpServerLike = Deno.serve({ port: 0, onListen() {} }, () => new Response("ok"));
 * await server.shutdown();
 * ```
 */
export interface DenoHttpServerLike {
  /** Closes the listener and every idle connection, lets open requests finish; safe to call again. */
  shutdown(): Promise<void>;
  /** Settles once the listener and every connection are closed. */
  readonly finished: Promise<void>;
}

/**
 * Drains a `Deno.serve()` server: keeps it listening while the fetch wrapper refuses new requests, then
 * shuts it down once nothing is in flight.
 *
 * Deno 2.9 cannot close the listener alone: `shutdown()`, and aborting the serve `signal`, close idle
 * keep-alive connections at once, and a request a client is sending on one then is dropped unanswered. So
 * `drain()` does nothing and `close()` calls `shutdown()`. Nothing can force after `shutdown()`: aborting the
 * serve `signal` then throws an uncaught `BadResource` and closes nothing, so `force()` does nothing either
 * and the lifecycle exits the process, which closes every socket.
 *
 * @param server What `Deno.serve()` returns.
 * @returns The {@linkcode ServerDrainer} the lifecycle drives.
 *
 * @example Drain a Deno server
 * ```ts
 * import { denoDrainer } from "./deno.ts";
 *
 * const server = Deno.serve({ port: 0, onListen() {} }, () => new Response("ok"));
 * const drainer = denoDrainer(server);
 * drainer.drain();        // still listening: the fetch wrapper answers new requests with 503
 * await drainer.close();  // listener and idle connections closed; resolves when the server has finished
 * ```
 */
export function denoDrainer(server: DenoHttpServerLike): ServerDrainer {
  return {
    drain(): void {},
    async close(): Promise<void> {
      await server.shutdown();
      await server.finished;
    },
    force(): void {},
  };
}
