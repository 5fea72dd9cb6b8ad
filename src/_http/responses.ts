import { isHttp2Request } from "../runtimes/_select.ts";

/**
 * @internal The 503 sent before any handler ran: the client may safely retry it elsewhere, after
 * `Retry-After` (seconds). `Connection: close` on HTTP/1.x only: on HTTP/2 the
 * session's GOAWAY does that job.
 */
export function refusal(retryAfter: string, context?: unknown): Response {
  const headers: Record<string, string> = {
    "retry-after": retryAfter,
    "content-type": "text/plain; charset=utf-8",
  };
  if (!isHttp2Request(context)) headers.connection = "close";
  return new Response("Service Unavailable: shutting down\n", { status: 503, headers });
}

/**
 * @internal Adds `Connection: close` so that the client opens a new connection (to another instance) for
 * its next request. HTTP/2 has no such header (GOAWAY does that job); a 101 upgrade keeps its connection.
 */
export function closeConnection(response: Response, context?: unknown): Response {
  if (response.status === 101 || isHttp2Request(context)) return response;
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
