// The readiness probe as a load balancer or the kubelet runs it: a new connection per check, at a fixed
// period. A probe polls by nature (nothing tells a client that readiness changed); each change is recorded.
import { HttpConnection } from "./http_client.ts";

/** One change of what the readiness path answered: a status code, "refused" or "no answer". */
export interface ReadinessChange {
  /** `performance.now()` when the answer that showed the change arrived (or the check failed). */
  at: number;
  state: string;
}

/**
 * Polls `path` on `host:port` every `periodMs` until `stop()`, recording each change of answer.
 *
 * @example Seeing a readiness endpoint turn 503
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http";
 * import { ReadinessProbe } from "./readiness.ts";
 *
 * let ready = true;
 * const server = createServer((_req, res) => {
 *   res.statusCode = ready ? 200 : 503;
 *   res.end();
 * }).listen(0, "127.0.0.1");
 * await new Promise((resolve) => server.once("listening", resolve));
 * const { port } = server.address() as { port: number };
 * const probe = new ReadinessProbe("127.0.0.1", port, "/ready", 5);
 * probe.start();
 * await probe.next();
 * ready = false;
 * await probe.next();
 * await probe.stop();
 * assert.deepEqual(probe.changes.map((c) => c.state), ["200", "503"]);
 * server.close();
 * ```
 */
export class ReadinessProbe {
  /** Every change of answer, in order. */
  readonly changes: ReadinessChange[] = [];
  #host: string;
  #port: number;
  #path: string;
  #periodMs: number;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #connection: HttpConnection | undefined;
  #waiters: (() => void)[] = [];

  /**
   * @param host The address the app listens on.
   * @param port Its port.
   * @param path The readiness path, e.g. `/ready`.
   * @param periodMs The time between two checks.
   */
  constructor(host: string, port: number, path: string, periodMs: number) {
    this.#host = host;
    this.#port = port;
    this.#path = path;
    this.#periodMs = periodMs;
  }

  /** Starts polling. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /**
   * Resolves once the next change is recorded, or when the probe stops.
   * @returns Nothing; read `changes`.
   */
  next(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Stops polling (a check in flight is abandoned). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#connection?.destroy();
    await this.#loop;
    this.#wake();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      let state: string;
      try {
        this.#connection = await HttpConnection.open(this.#host, this.#port);
        const outcome = await this.#connection.request(this.#path, { close: true });
        state = outcome.kind === "response" ? String(outcome.status) : "no answer";
      } catch {
        state = "refused";
      } finally {
        this.#connection?.destroy();
        this.#connection = undefined;
      }
      if (this.#stopped) break;
      if (this.changes.at(-1)?.state !== state) {
        this.changes.push({ at: performance.now(), state });
        this.#wake();
      }
      await new Promise((resolve) => setTimeout(resolve, this.#periodMs));
    }
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
