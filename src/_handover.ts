import type { Lifecycle } from "./_lifecycle/lifecycle.ts";
import type { Runtime } from "./runtimes/detect.ts";
import { closeNetListener } from "./runtimes/node/http.ts";

/**
 * @internal For a server started with `reusePort`: closes its listener during the shutdown instead of keeping
 * it open to answer new connections with 503, since another process listens on the same port (the one that
 * takes over) and the kernel sends new connections to it once this listener is gone. Connections already
 * open are left to the drain.
 *
 * When: Node closes the listener alone, so it does so at the trigger; every connection accepted before then
 * has its request served through the delay (with `Connection: close`), so none is refused by the drain.
 * Deno's `shutdown()` and Bun's `stop()` also close idle keep-alive connections, losing a request sent on one
 * at that instant, so they are called when the drain begins, once the delay has shed keep-alive clients.
 * Either way, connections still in this listener's accept queue are reset by the kernel unless
 * `net.ipv4.tcp_migrate_req` is 1, which moves them to the other listener.
 */
export function releasePortOnShutdown(runtime: Runtime, lifecycle: Lifecycle, server: unknown): void {
  const s = server as { shutdown?: () => Promise<void>; stop?: () => Promise<void> };
  if (runtime === "deno") lifecycle.onDrain.add(() => void s.shutdown?.().catch(() => {}));
  else if (runtime === "bun") lifecycle.onDrain.add(() => void s.stop?.().catch(() => {}));
  else if (runtime === "node") {
    lifecycle.started.signal.addEventListener(
      "abort",
      () => closeNetListener(server as { close(): unknown }),
      { once: true },
    );
  }
}

/** @internal Whether this Node can listen with `reusePort` (added in 22.12 and 23.1). */
export function nodeHasReusePort(version: string): boolean {
  const [major, minor] = version.split(".").map(Number);
  return major >= 24 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}
