/**
 * @internal Calls `handler` on an uncaught error or unhandled rejection reported through the global events
 * (Deno, workerd, browsers), preventing the default, which would end the process before the drain. Returns
 * the function that removes the listeners.
 */
export function listenGlobalErrors(handler: (error: unknown) => void): () => void {
  const g = globalThis as {
    addEventListener?: (type: string, listener: (event: Event) => void) => void;
    removeEventListener?: (type: string, listener: (event: Event) => void) => void;
  };
  if (typeof g.addEventListener !== "function") return () => {};
  const onError = (event: Event) => {
    event.preventDefault();
    handler((event as Event & { error?: unknown }).error);
  };
  const onRejection = (event: Event) => {
    event.preventDefault();
    handler((event as Event & { reason?: unknown }).reason);
  };
  g.addEventListener("error", onError);
  g.addEventListener("unhandledrejection", onRejection);
  return () => {
    g.removeEventListener?.("error", onError);
    g.removeEventListener?.("unhandledrejection", onRejection);
  };
}
