// Load through the restarts of a process manager (PM2's reload, a node:cluster primary's roll): clients that
// keep their connection alive and clients that open a new connection per request, sending until told to
// stop. A restart done right fails none of them and turns no new connection away with a 503: the manager
// hands new connections to the workers still serving.
import { NoAnswer, RawClient } from "./raw_client.ts";

/** What the clients saw. */
export interface RestartTally {
  ok: number;
  /** Requests written that got no whole response. */
  failed: number;
  /** 503s on a reused connection (the worker draining it turned its client away). */
  refusedKeptAlive: number;
  /** 503s on a new connection: the manager handed it to a worker that was already draining. */
  refusedNew: number;
}

/**
 * Starts `keepAlive` keep-alive clients and `fresh` new-connection clients against 127.0.0.1:`port`, each
 * sending `path` back to back (a keep-alive client reconnects after a 503 or `Connection: close`). `stop()`
 * ends them and resolves with the tally.
 */
export function restartLoad(
  port: number,
  { keepAlive = 4, fresh = 2, path = "/?ms=5" }: { keepAlive?: number; fresh?: number; path?: string } = {},
): { tally: RestartTally; stop(): Promise<RestartTally> } {
  const tally: RestartTally = { ok: 0, failed: 0, refusedKeptAlive: 0, refusedNew: 0 };
  let stopped = false;
  const keptAlive = async () => {
    let client: RawClient | undefined;
    for (let i = 0; i < 100_000 && !stopped; i++) {
      try {
        client ??= await RawClient.connect(port);
        const response = await client.get(path);
        if (response.status === 503) tally.refusedKeptAlive++;
        else tally.ok++;
        if (response.status === 503 || response.headers.connection === "close") {
          client.close();
          client = undefined;
        }
      } catch (error) {
        if (!(error instanceof NoAnswer)) throw error;
        tally.failed++;
        client = undefined;
      }
    }
    client?.close();
  };
  const opening = async () => {
    for (let i = 0; i < 100_000 && !stopped; i++) {
      const client = await RawClient.connect(port);
      try {
        const response = await client.get(path);
        if (response.status === 503) tally.refusedNew++;
        else tally.ok++;
      } catch (error) {
        if (!(error instanceof NoAnswer)) throw error;
        tally.failed++;
      } finally {
        client.close();
      }
    }
  };
  const running = Promise.all([
    ...Array.from({ length: keepAlive }, keptAlive),
    ...Array.from({ length: fresh }, opening),
  ]);
  return {
    tally,
    async stop() {
      stopped = true;
      await running;
      return tally;
    },
  };
}
