import { endOnSocketClose } from "./_request_gate.ts";

/**
 * @internal What `@hono/node-server` passes beside the request: the node:http(s)/http2 request and response
 * (`{ incoming, outgoing }`). The gate learns from them when a response has been sent and which protocol
 * it went out on.
 */
interface NodeBindings {
  /** The node:http response, whose "close" marks the end of sending. */
  outgoing?: { on(event: "close" | "socket", listener: () => void): unknown; readonly socket?: unknown };
  incoming?: {
    httpVersionMajor?: number;
    readonly socket?: {
      on(event: "close", listener: () => void): unknown;
      removeListener(event: "close", listener: () => void): unknown;
    } | null;
  };
}

/**
 * @internal Calls `onSent` once the response has been sent (or the connection closed under it), when
 * `context` holds Node's bindings; returns false, calling nothing, otherwise.
 */
export function nodeWhenSent(context: unknown, onSent: () => void): boolean {
  const { outgoing, incoming } = (context ?? {}) as NodeBindings;
  if (typeof outgoing?.on !== "function") return false;
  outgoing.on("close", onSent); // `on`, not `once`: the response emits it once, and `once` wraps each listener
  if (outgoing.socket === null && incoming?.socket) endOnSocketClose(outgoing, incoming.socket, onSent);
  return true;
}

/**
 * @internal Whether the request came on HTTP/2, which forbids connection-specific headers (Node's http2
 * drops them with a warning). Only Node says which protocol a request came on; Deno strips them from HTTP/2
 * responses itself.
 */
export function isHttp2Request(context: unknown): boolean {
  return ((context as NodeBindings | undefined)?.incoming?.httpVersionMajor ?? 1) >= 2;
}
