import type { FetchHandler } from "../fetch.ts";
import { describe } from "../_lifecycle/validate.ts";
import type { Gate } from "./gate.ts";

/**
 * @internal Wraps `handler` with the gate: while running it only counts; while `unready` it serves and marks
 * responses `Connection: close`; from `draining` on it refuses before the handler runs.
 */
export function wrapFetch<H extends FetchHandler>(gate: Gate, handler: H): H {
  if (typeof handler !== "function") {
    throw new TypeError(
      `Cannot wrap: "handler" must be a fetch handler function, received ${describe(handler)}`,
    );
  }
  gate.install();
  // Fixed parameters, not `...rest`: no array per request. Every runtime passes at most two beside the
  // request (Hono's app.fetch: env and execution context).
  const wrapped = (request: Request, context?: unknown, extra?: unknown) => {
    // Gated and counted already, by the node:http server's own gate (attach(), serve() on Node).
    if (gate.admittedByServer(context) !== undefined) return handler(request, context, extra);
    const entry = gate.admit(request, context, extra);
    if (entry instanceof Response) return entry;
    let result;
    const outer = gate.admitting; // a wrapped handler called inside another one: restore it after
    gate.admitting = entry;
    try {
      result = handler(request, context, extra);
    } catch (error) {
      return gate.fail(entry, error, context) ?? rethrow(error);
    } finally {
      gate.admitting = outer;
    }
    if (result instanceof Promise) {
      return result.then(
        (response) => gate.release(entry, response, context),
        (error) => gate.fail(entry, error, context) ?? rethrow(error),
      );
    }
    return gate.release(entry, result, context);
  };
  Object.defineProperty(wrapped, "name", { value: handler.name || "wrapped" });
  return wrapped as H;
}

function rethrow(error: unknown): never {
  throw error;
}
