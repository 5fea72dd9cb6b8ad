// Steady keep-alive load, counted as a client sees it: every answer that is not 2xx and every request whose
// connection failed or closed before the answer is a failure. A raw-socket client (tests/e2e/_client.ts), so
// that no HTTP library retries behind the count's back.
import { NoAnswer, RawClient } from "../support/raw_client.ts";

/** What the clients saw. */
export interface LoadResult {
  ok: number;
  failed: number;
  /**
   * Failures by kind: `503`, `502`, `connect: ECONNREFUSED`, `no answer (new connection)` (the connection closed
   * or reset before an answer to its first request), `no answer (reused connection)`, …
   */
  failures: Record<string, number>;
}

/** A running load: `stop()` ends it after the requests in flight and resolves with the counts. */
export interface Load {
  readonly result: LoadResult;
  stop(): Promise<LoadResult>;
}

/**
 * Starts `clients` keep-alive connections to 127.0.0.1:`port`, client i sending `paths[i % paths.length]`
 * over and over, one request at a time, reconnecting when the server closed the connection (after `Connection: close`, as a real client
 * does). Bounded: it stops at `stop()` or after `maxMs`.
 */
export function startLoad(
  port: number,
  options: {
    clients: number;
    paths: string[];
    maxMs: number;
    host?: string;
    /** How many of the clients (the last ones) open a new connection for every request, as scripts do. */
    oneShot?: number;
  },
): Load {
  const result: LoadResult = { ok: 0, failed: 0, failures: {} };
  const fail = (kind: string) => {
    result.failed++;
    result.failures[kind] = (result.failures[kind] ?? 0) + 1;
  };
  let stopped = false;
  const served = new WeakSet<RawClient>();
  const timer = setTimeout(() => (stopped = true), options.maxMs);
  const loop = async (index: number) => {
    let client: RawClient | undefined;
    const path = options.paths[index % options.paths.length];
    const oneShot = index >= options.clients - (options.oneShot ?? 0);
    while (!stopped) {
      try {
        client ??= await RawClient.connect(port, options.host);
      } catch (error) {
        fail(`connect: ${(error as NodeJS.ErrnoException).code ?? error}`);
        await new Promise((resolve) => setTimeout(resolve, 10)); // no busy loop while nothing listens
        continue;
      }
      const current = client;
      const reused = served.has(current);
      try {
        const response = await current.get(path);
        served.add(current);
        if (response.status >= 200 && response.status < 300) result.ok++;
        else fail(String(response.status));
        // The server asked to close: a real client opens a new connection for its next request.
        if (oneShot || response.headers.connection === "close" || current.ended) {
          current.close();
          client = undefined;
        }
      } catch (error) {
        // On a new connection, the server may never have accepted it: a listener closed with the connection
        // still in its accept queue resets it. On a reused one, the server had it: that request was lost.
        fail(
          error instanceof NoAnswer
            ? `no answer (${reused ? "reused" : "new"} connection)`
            : String((error as Error).message),
        );
        current.close();
        client = undefined;
      }
    }
    client?.close();
  };
  const loops = Array.from({ length: options.clients }, (_, i) => loop(i));
  return {
    result,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.all(loops);
      return result;
    },
  };
}
