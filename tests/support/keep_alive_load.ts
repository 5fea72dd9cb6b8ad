// Keep-alive clients that send through a shutdown: each sends a request, waits `paceMs`, and sends again on
// the same connection, reconnecting after `Connection: close`, until refused (a 503, or a connection
// refused) or lost. What the e2e tests of frameworks and launchers count.
import { NoAnswer, RawClient, type RawResponse } from "./raw_client.ts";

/** What the clients saw. */
export interface LoadTally {
  ok: number;
  /** 503 refusals: the client was told to go elsewhere before any work started. */
  refused: number;
  /** Requests written that got no whole response. */
  lost: number;
  /** Of those, the first request of a new connection (reset as the listener closed: see the README). */
  lostOnNewConnection: number;
  /** Connections refused: nothing was sent, nothing lost. */
  connectionRefused: number;
  /**
   * Responses that did not close their connection, by when their request was sent (`Date.now()`, comparable
   * with the server's own clock): a test compares them with when the server's shutdown started.
   */
  keptOpen: number[];
}

/**
 * Runs `clients` keep-alive clients against 127.0.0.1:`port`; once `warmUp` responses have come, calls
 * `signal()` (which sends the signal and returns when, in `performance.now()` time) and waits for every
 * client to stop. `check` sees every response.
 */
export async function keepAliveLoad(
  port: number,
  options: {
    signal: () => number;
    clients?: number;
    path?: string;
    paceMs?: number;
    warmUp?: number;
    check?: (response: RawResponse) => void;
    opened?: Set<RawClient>;
  },
): Promise<LoadTally> {
  const { clients = 4, path = "/", paceMs = 5, warmUp = 40, check, opened } = options;
  const tally: LoadTally = {
    ok: 0,
    refused: 0,
    lost: 0,
    lostOnNewConnection: 0,
    connectionRefused: 0,
    keptOpen: [],
  };
  const warm = Promise.withResolvers<void>();
  const worker = async () => {
    let client: RawClient | undefined;
    let reused = false;
    for (let i = 0; i < 2_000; i++) {
      try {
        if (!client) {
          client = await RawClient.connect(port);
          reused = false;
        }
        opened?.add(client);
      } catch {
        tally.connectionRefused++;
        return;
      }
      const sentAt = Date.now();
      let response: RawResponse;
      try {
        response = await client.get(path);
      } catch (error) {
        if (!(error instanceof NoAnswer)) throw error;
        tally.lost++;
        if (!reused) tally.lostOnNewConnection++;
        return;
      }
      check?.(response);
      reused = true;
      if (response.status === 503) {
        tally.refused++;
        return;
      }
      if (++tally.ok === warmUp) warm.resolve();
      if (response.headers.connection !== "close") tally.keptOpen.push(sentAt);
      if (response.headers.connection === "close") {
        await client.closed;
        client = undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, paceMs)); // the clients' pace, not a wait for state
    }
  };
  const workers = Array.from({ length: clients }, worker);
  await warm.promise;
  options.signal();
  await Promise.all(workers);
  return tally;
}
