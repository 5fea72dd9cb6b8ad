/**
 * @internal The request target of a URL: its path and query (`/a?b=1`), `/` when it has none. Bun passes
 * the bare target when an HTTP/1.0 request has no Host header (HAProxy's default health check sends one).
 * String work only, because `new URL()` on every request would cost more than the rest of the gate.
 */
export function targetOf(url: string): string {
  if (url.startsWith("/")) return url;
  const start = url.indexOf("/", url.indexOf("//") + 2);
  return start === -1 ? "/" : url.slice(start);
}

/** @internal The path of a URL, without its query. */
export function pathOf(url: string): string {
  const target = targetOf(url);
  const query = target.indexOf("?");
  return query === -1 ? target : target.slice(0, query);
}
