import type { Lifecycle } from "../_lifecycle/lifecycle.ts";
import type { InFlightEntry } from "../_lifecycle/in_flight.ts";

/**
 * @internal What the runtime passes beside the request (Deno's `info`, Bun's `server`, @hono/node-server's
 * `{ incoming, outgoing }`, Hono's `c.env`); each field only where that runtime has it.
 */
export interface HandlerContext {
  /** Deno: resolves when the response has been sent (or the client went away). */
  completed?: Promise<void>;
  /** @hono/node-server: the node:http response, whose "close" marks the end of sending. */
  outgoing?: { once(event: "close", listener: () => void): unknown; readonly socket?: unknown };
  incoming?: {
    httpVersionMajor?: number;
    readonly socket?: { once(event: "close", listener: () => void): unknown } | null;
  };
  /** Bun: the server, whose per-request idle timeout must not cut a quiet handler while draining. */
  timeout?: (request: Request, seconds: number) => void;
  upgrade?: unknown;
}

/**
 * @internal The gate in front of a handler: a 503 refusal from `draining` on, else the request's in-flight
 * entry. `release()` must follow with the handler's response (or `abandon()` when it threw).
 */
export function admit(lifecycle: Lifecycle, request: Request, context: unknown): InFlightEntry | Response {
  const phase = lifecycle.phase;
  if (phase !== "running" && phase !== "unready") return refuse(lifecycle, context as HandlerContext);
  const bun = context as HandlerContext | undefined;
  if (!lifecycle.bunAware && isBunServer(bun)) {
    lifecycle.bunAware = true;
    // Bun resets a connection that stays quiet for `idleTimeout` (10 s by default), even mid-handler; the
    // drain may last longer, so lift it for the requests the drain waits on.
    lifecycle.onDrain.add(() => {
      for (const pending of lifecycle.inFlight.requests()) bun.timeout(pending as Request, 0);
    });
  }
  return lifecycle.inFlight.add("requests", request, lifecycle.options.clock.now());
}

/** Bun passes its Server beside the request: the one context with both `timeout()` and `upgrade()`. */
function isBunServer(
  context: HandlerContext | undefined,
): context is HandlerContext & Required<Pick<HandlerContext, "timeout">> {
  return typeof context?.timeout === "function" && typeof context.upgrade === "function";
}

/** @internal The handler threw: the request is no longer in flight (the runtime answers it with a 500). */
export function abandon(lifecycle: Lifecycle, entry: InFlightEntry): void {
  lifecycle.inFlight.delete(entry);
}

/**
 * @internal Counts the response until it has been sent, by the runtime's own completion signal where there
 * is one (Deno, Node), else until its body ends; marks it `Connection: close` while shutting down.
 */
export function release(
  lifecycle: Lifecycle,
  entry: InFlightEntry,
  response: Response | undefined,
  context: unknown,
): Response | undefined {
  const { inFlight } = lifecycle;
  if (!(response instanceof Response)) {
    inFlight.delete(entry); // Bun after server.upgrade(), or a handler bug the runtime reports itself.
    return response;
  }
  const ctx = context as HandlerContext | undefined;
  if (lifecycle.phase !== "running") response = closeConnection(response, ctx);
  else lifecycle.keptAlive = true;
  if (lifecycle.bunAware && isBunServer(ctx)) {
    // Bun has no completion signal, and every body looks like a stream there (wrapping one costs 3x the
    // server's CPU and loses the implicit Content-Type). Its graceful stop(), called once the handlers are
    // done, waits for every body to its last byte instead, and the deadline forces it.
    inFlight.delete(entry);
    return response;
  }
  inFlight.move(entry, "streams");
  if (ctx?.completed instanceof Promise) {
    const end = () => inFlight.delete(entry);
    ctx.completed.then(end, end);
    return response;
  }
  if (typeof ctx?.outgoing?.once === "function") {
    const end = () => inFlight.delete(entry);
    ctx.outgoing.once("close", end);
    // A pipelined request's response waits for the socket (none yet). Node drops it when the response before
    // it carried `Connection: close`, and Node 20 never closes it then: the socket's close ends it instead.
    if (ctx.outgoing.socket === null) ctx.incoming?.socket?.once("close", end);
    return response;
  }
  return trackBody(response, () => inFlight.delete(entry));
}

/**
 * @internal A 503 sent before any handler ran: the client may safely retry it elsewhere. `Connection: close`
 * on HTTP/1.x only (on HTTP/2 the session's GOAWAY does that job).
 */
export function refuse(lifecycle: Lifecycle, context?: HandlerContext): Response {
  lifecycle.refused++;
  lifecycle.lastRefusal = lifecycle.options.clock.now();
  const headers: Record<string, string> = {
    "retry-after": String(Math.ceil(lifecycle.options.retryAfter / 1000)),
    "content-type": "text/plain; charset=utf-8",
  };
  if (!isHttp2(context)) headers.connection = "close";
  return new Response("Service Unavailable: shutting down\n", { status: 503, headers });
}

/**
 * HTTP/2 forbids connection-specific headers (Node's http2 drops them with a warning). Only Node says which
 * protocol a request came on (@hono/node-server passes the node:http2 request as `incoming`); Deno strips
 * them from HTTP/2 responses itself, and Bun.serve speaks HTTP/1.1 only.
 */
function isHttp2(context: HandlerContext | undefined): boolean {
  return (context?.incoming?.httpVersionMajor ?? 1) >= 2;
}

/**
 * @internal Adds `Connection: close` so that the client opens a new connection (to another instance) for
 * its next request. HTTP/2 has no such header (GOAWAY does that job); a 101 upgrade keeps its connection.
 */
export function closeConnection(response: Response, context?: HandlerContext): Response {
  if (response.status === 101 || isHttp2(context)) return response;
  try {
    response.headers.set("connection", "close");
    return response;
  } catch {
    // Immutable headers (a Response from fetch(), Response.redirect()): copy into a mutable one.
    const copy = new Response(response.body, response);
    copy.headers.set("connection", "close");
    return copy;
  }
}

/** Calls `onEnd` once the body has been read to its end, errored, or was cancelled by the runtime. */
function trackBody(response: Response, onEnd: () => void): Response {
  const body = response.body;
  if (body === null) {
    onEnd();
    return response;
  }
  const reader = body.getReader();
  let ended = false;
  const end = () => {
    if (!ended) (ended = true), onEnd();
  };
  const tracked = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          end();
        } else controller.enqueue(value);
      } catch (error) {
        end();
        controller.error(error);
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
  return new Response(tracked, response);
}
