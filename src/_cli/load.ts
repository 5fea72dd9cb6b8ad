// The load `graceful-drain verify` drives: a few classes of clients, each looping one request at a time, every
// outcome counted by when it was sent relative to the signal and on which connection.
import { HttpConnection, type LostReason, type Outcome } from "./http_client.ts";

/** The classes of clients, in the order the report lists them. */
export type ClientClass = "keepAlive" | "oneShot" | "slow" | "stream";

/** What one class of clients saw. */
export interface ClassTally {
  /** Requests written. */
  sent: number;
  /** Whole responses other than 503. */
  completed: number;
  /** Turned away before any work: the three kinds below. */
  refused: number;
  /** Whole 503 responses. */
  refused503: number;
  /** Connections refused (or reset in the handshake): no request written. */
  refusedConnections: number;
  /**
   * Requests on a new connection reset before a byte of answer: the kernel discarded the request unread (a
   * connection still in the accept queue when the listener closed). A client cannot tell it from a refusal.
   */
  resetUnread: number;
  /**
   * Requests written that got no whole response: on a connection the server had answered on before, one
   * closed after the server read it (EOF), or an answer cut short.
   */
  lost: number;
  lostBy: Partial<Record<LostReason, number>>;
  /** When each lost request was sent and when it was found lost (`performance.now()`; the first 100). */
  losses: { sentAt: number; at: number; reason: LostReason; reused: boolean }[];
  /** Whole non-503 responses to requests written after the signal on a connection used before it. */
  servedAfterSignal: number;
  /** Requests written before the signal and not answered yet when it was sent. */
  inFlightAtSignal: number;
  /** Whole responses by status code. */
  statuses: Record<string, number>;
}

/** What drives the load. */
export interface LoadOptions {
  host: string;
  port: number;
  path: string;
  keepAliveClients: number;
  oneShotClients: number;
  slowPath?: string;
  streamPath?: string;
}

const newTally = (): ClassTally => ({
  sent: 0,
  completed: 0,
  refused: 0,
  refused503: 0,
  refusedConnections: 0,
  resetUnread: 0,
  lost: 0,
  lostBy: {},
  losses: [],
  servedAfterSignal: 0,
  inFlightAtSignal: 0,
  statuses: {},
});

/** How long a client waits before it tries to connect again after a refusal: paces it, no busy loop. */
const RETRY_MS = 10;

/**
 * Keep-alive clients, clients opening a connection per request, and optionally one client looping a slow
 * request and one a streamed response, against `host:port` only. Times are `performance.now()` values.
 *
 * @example Counting what a server that always answers 200 served
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http";
 * import { Load } from "./load.ts";
 *
 * const server = createServer((_req, res) => res.end("ok")).listen(0, "127.0.0.1");
 * await new Promise((resolve) => server.once("listening", resolve));
 * const { port } = server.address() as { port: number };
 * const load = new Load({ host: "127.0.0.1", port, path: "/", keepAliveClients: 2, oneShotClients: 1 });
 * load.start();
 * await new Promise((resolve) => setTimeout(resolve, 100));
 * load.markSignal();
 * await new Promise((resolve) => setTimeout(resolve, 50));
 * const tallies = await load.stop(1_000);
 * assert.ok(tallies.keepAlive.completed > 0 && tallies.oneShot.completed > 0);
 * assert.equal(tallies.keepAlive.lost + tallies.oneShot.lost, 0);
 * assert.ok(tallies.keepAlive.servedAfterSignal > 0);
 * server.close();
 * ```
 */
export class Load {
  /** The tallies, filled in as outcomes arrive. */
  readonly tallies: Record<ClientClass, ClassTally>;
  /** When the first request after the signal was refused (a 503 or a refused connection). */
  intakeStoppedAt: number | undefined;
  /** When the signal was sent, once `markSignal()` was called. */
  signalAt: number | undefined;
  #options: LoadOptions;
  #stopped = false;
  #loops: Promise<void>[] = [];
  #open = new Set<HttpConnection>();
  #inFlight = new Map<ClientClass, number>();

  /** @param options Where to send the load and how much of it. */
  constructor(options: LoadOptions) {
    this.#options = options;
    this.tallies = { keepAlive: newTally(), oneShot: newTally(), slow: newTally(), stream: newTally() };
  }

  /** Starts every client. */
  start(): void {
    const { path, keepAliveClients, oneShotClients, slowPath, streamPath } = this.#options;
    for (let i = 0; i < keepAliveClients; i++) this.#loops.push(this.#loop("keepAlive", path, true));
    for (let i = 0; i < oneShotClients; i++) this.#loops.push(this.#loop("oneShot", path, false));
    if (slowPath) this.#loops.push(this.#loop("slow", slowPath, true));
    if (streamPath) this.#loops.push(this.#loop("stream", streamPath, true));
  }

  /** Notes that the signal is being sent now: what is in flight, and what follows, is counted against it. */
  markSignal(): void {
    this.signalAt = performance.now();
    for (const [name, count] of this.#inFlight) this.tallies[name].inFlightAtSignal = count;
  }

  /**
   * Stops every client: no new request; those in flight get `graceMs` to settle, then their connections are
   * closed and they count as lost ("abandoned").
   * @param graceMs How long requests in flight may still take.
   * @returns The final tallies.
   */
  async stop(graceMs: number): Promise<Record<ClientClass, ClassTally>> {
    this.#stopped = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(this.#loops), grace]);
    clearTimeout(timer);
    for (const connection of this.#open) connection.destroy();
    await Promise.all(this.#loops);
    return this.tallies;
  }

  async #loop(name: ClientClass, path: string, keepAlive: boolean): Promise<void> {
    const tally = this.tallies[name];
    let connection: HttpConnection | undefined;
    while (!this.#stopped) {
      if (connection?.ended) this.#close(connection);
      if (!connection || connection.ended) {
        connection = undefined;
        try {
          connection = await HttpConnection.open(this.#options.host, this.#options.port);
          this.#open.add(connection);
        } catch {
          // Refused (or reset in the handshake) before a byte of the request was written: no work lost.
          tally.refused++;
          tally.refusedConnections++;
          this.#intakeStopped(performance.now());
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
          continue;
        }
        if (this.#stopped) break;
      }
      const reused = connection.requests > 0;
      const sentAt = performance.now();
      tally.sent++;
      this.#inFlight.set(name, (this.#inFlight.get(name) ?? 0) + 1);
      const outcome = await connection.request(path, { close: !keepAlive });
      this.#inFlight.set(name, this.#inFlight.get(name)! - 1);
      this.#count(tally, outcome, sentAt, reused);
      if (!keepAlive || outcome.kind === "lost" || outcome.close) {
        this.#close(connection);
        connection = undefined;
      }
    }
    if (connection) this.#close(connection);
  }

  #count(tally: ClassTally, outcome: Outcome, sentAt: number, reused: boolean): void {
    if (outcome.kind === "lost" && outcome.reason === "reset" && !reused) {
      tally.refused++;
      tally.resetUnread++;
      this.#intakeStopped(performance.now());
      return;
    }
    if (outcome.kind === "lost") {
      tally.lost++;
      tally.lostBy[outcome.reason] = (tally.lostBy[outcome.reason] ?? 0) + 1;
      if (tally.losses.length < 100) {
        tally.losses.push({ sentAt, at: performance.now(), reason: outcome.reason, reused });
      }
      return;
    }
    tally.statuses[outcome.status] = (tally.statuses[outcome.status] ?? 0) + 1;
    if (outcome.status === 503) {
      tally.refused++;
      tally.refused503++;
      this.#intakeStopped(performance.now());
      return;
    }
    tally.completed++;
    if (reused && this.signalAt !== undefined && sentAt >= this.signalAt) tally.servedAfterSignal++;
  }

  #intakeStopped(at: number): void {
    if (this.signalAt !== undefined && at >= this.signalAt) this.intakeStoppedAt ??= at;
  }

  #close(connection: HttpConnection): void {
    connection.destroy();
    this.#open.delete(connection);
  }
}
