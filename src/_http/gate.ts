import type { Clock } from "../clock.ts";
import type { InFlight, InFlightEntry } from "../_lifecycle/in_flight.ts";
import {
  gatedEntry,
  isBunServer,
  liftIdleTimeouts,
  type RequestGateHost,
  runtimeAdapter,
  whenSent,
} from "../runtimes/_select.ts";
import type { Logger, Phase } from "../types.ts";
import { closeConnection, refusal } from "./responses.ts";
import { trackBody } from "./body.ts";
import { idleGraceLeft } from "./keep_alive.ts";
import { pathOf } from "./url.ts";
import { PlatformWaitUntil } from "./platform_wait.ts";

/** @internal What the gate reads of the lifecycle it stands in front of. */
export interface GateHost {
  readonly phase: Phase;
  readonly inFlight: InFlight;
  readonly options: { readonly clock: Clock; readonly retryAfter: number; readonly logger: Logger };
  /** The first request came through `context`: own its server if none was attached (see `_select.ts`). */
  adopt(context: unknown): void;
  onDrain(callback: () => void): () => void;
}

/**
 * @internal The gate in front of every handler (`wrap()`, `graceful()`): admits and counts requests while
 * running and unready, refuses them with a 503 from `draining` on, and releases each once its response has
 * been sent. Its state is its own: refusals, whether a client may hold an idle keep-alive connection, and
 * the request being admitted.
 */
export class Gate implements RequestGateHost {
  readonly #host: GateHost;
  #refused = 0;
  /** When the gate last refused a request (clock time): clients are still sending on their connections. */
  #lastRefusal = 0;
  /** A gate (`wrap()` or `graceful()`) exists: every request the lifecycle must know of passes one. */
  #gated = false;
  /**
   * A response went out without `Connection: close` (while running), so a client may hold an idle keep-alive
   * connection. Until then, with a gate in front of every request, none can exist on Deno or Bun, whose
   * servers cannot tell, and the drain need not give idle connections their grace.
   */
  #keptAlive = false;
  /** Bun's server, once seen: no completion signal there, so entries end when their handler returns. */
  #bunServer: unknown;
  /** The first request's server has been looked at (`adopt()`). */
  #adopted = false;
  /**
   * A server-level gate (node:http's request event) has counted a request: only then can a handler's context
   * carry an entry, so Deno's and Bun's requests skip the lookup.
   */
  #serverGated = false;
  readonly #probePaths = new Set<string>();
  /**
   * The entry of the request `wrap()` is admitting, set only while its handler runs synchronously, so that a
   * `graceful()` middleware inside it (a Hono app served by `serve()`, which wraps) counts each request once.
   * A field, not a WeakSet of requests: that cost a lookup and an ephemeron per request.
   */
  admitting: InFlightEntry | undefined;
  /** The platform's own `waitUntil`, on edge runtimes (see `platform_wait.ts`). */
  readonly platform: PlatformWaitUntil = new PlatformWaitUntil(runtimeAdapter().executionContexts === true);
  /** Bodies the runtime made are followed through a tee, which keeps their length (workerd; `body.ts`). */
  readonly #teeNativeBodies: boolean = runtimeAdapter().nativeBodyLengths === true;

  constructor(host: GateHost) {
    this.#host = host;
  }

  /** Requests refused so far. */
  get refused(): number {
    return this.#refused;
  }

  /** A gate now stands in front of the server's handler. */
  install(): void {
    this.#gated = true;
  }

  /**
   * A readiness or liveness probe answered at `url`'s path (its connection stays open: the drain gives it its
   * grace). Its path is never refused from then on: a draining instance must still say it is alive (503 from
   * the gate would get it restarted as dead) and unready.
   */
  markProbe(url?: string): void {
    this.#keptAlive = true;
    if (url !== undefined) this.allowProbe(url);
  }

  /** Lets requests to `url`'s path through while draining: a probe's (`serve()`'s `readyPath`, `livePath`). */
  allowProbe(url: string): void {
    this.#probePaths.add(pathOf(url));
  }

  /** Whether `url` is a probe's path (see `markProbe()`), which the gate lets through while draining. */
  isProbe(url: string): boolean {
    return this.#probePaths.size > 0 && this.#probePaths.has(pathOf(url));
  }

  /** Whether the drain must assume idle keep-alive connections where the server cannot tell. */
  get mayHaveIdleConnections(): boolean {
    return !this.#gated || this.#keptAlive;
  }

  /** Milliseconds left of the idle keep-alive grace of a drain that began at `drainStartedAt`. */
  idleGraceLeft(drainStartedAt: number): number {
    return idleGraceLeft(drainStartedAt, this.#lastRefusal, this.#host.options.clock.now());
  }

  /** New requests are still admitted (running or unready). */
  get accepting(): boolean {
    const { phase } = this.#host;
    return phase === "running" || phase === "unready";
  }

  /** The shutdown has started: responses must close their connection. */
  get shuttingDown(): boolean {
    return this.#host.phase !== "running";
  }

  /** Counts a request admitted by a server-level gate (node:http's) until `untrack()`. */
  track(label: { readonly method: string; readonly url: string }): InFlightEntry {
    this.#serverGated = true;
    return this.#host.inFlight.add("requests", label);
  }

  untrack(entry: InFlightEntry): void {
    this.#host.inFlight.delete(entry);
  }

  /** Counts a refusal made by a server-level gate; returns its `Retry-After`, in seconds. */
  noteRefusal(): string {
    this.#refused++;
    this.#lastRefusal = this.#host.options.clock.now();
    return String(Math.ceil(this.#host.options.retryAfter / 1000));
  }

  /** The entry a server-level gate (node:http's) gave the request of this handler context, if any. */
  admittedByServer(context: unknown): InFlightEntry | undefined {
    return this.#serverGated ? gatedEntry(context) : undefined;
  }

  /** The entry of a request already admitted further out: by `wrap()` around this call, or by the server. */
  admittedBefore(request: Request, context: unknown): InFlightEntry | undefined {
    const admitting = this.admitting;
    return admitting?.label === request ? admitting : this.admittedByServer(context);
  }

  /**
   * The 503 refusal from `draining` on, else the request's in-flight entry. `release()` must follow.
   * `executionContext`: what the handler got beside the request and `context` (workerd's `ctx`, a
   * `FetchEvent`), noted on edge runtimes for `shutdown.waitUntil()`.
   */
  admit(request: Request, context: unknown, executionContext?: unknown): InFlightEntry | Response {
    const { phase, inFlight } = this.#host;
    if (this.platform.enabled) this.platform.note(executionContext);
    if (phase !== "running" && phase !== "unready" && !this.isProbe(request.url)) return this.refuse(context);
    if (!this.#adopted) {
      this.#adopted = true;
      this.#host.adopt(context);
      if (isBunServer(context)) {
        this.#bunServer = context;
        this.#host.onDrain(() => liftIdleTimeouts(context, inFlight.requests()));
      }
    }
    return inFlight.add("requests", request);
  }

  /** The handler threw: the request is no longer in flight (the runtime answers it with a 500). */
  abandon(entry: InFlightEntry): void {
    this.#host.inFlight.delete(entry);
  }

  /**
   * The handler threw (or rejected). While running, undefined: the error goes on to the runtime, which
   * answers with its 500. While shutting down, the error is logged and answered here, with a 500 that
   * carries `Connection: close`, which the runtime's own would not.
   */
  fail(entry: InFlightEntry, error: unknown, context: unknown): Response | undefined {
    this.abandon(entry);
    if (this.#host.phase === "running") return undefined;
    this.#host.options.logger.error(`handler failed: ${(error as Error)?.message ?? error}`, { error });
    return closeConnection(new Response("Internal Server Error\n", { status: 500 }), context);
  }

  /**
   * Counts the response until it has been sent, by the runtime's own completion signal where there is one
   * (Deno, Node), else until its body ends; marks it `Connection: close` while shutting down.
   */
  release(entry: InFlightEntry, response: Response | undefined, context: unknown): Response | undefined {
    const { inFlight, phase } = this.#host;
    if (!(response instanceof Response)) {
      inFlight.delete(entry); // Bun after server.upgrade(), or a handler bug the runtime reports itself.
      return response;
    }
    if (phase !== "running") response = closeConnection(response, context);
    else this.#keptAlive = true;
    if (this.#bunServer !== undefined && isBunServer(context)) {
      // Bun has no completion signal, and every body looks like a stream there (wrapping one costs 3x the
      // server's CPU and loses the implicit Content-Type). Its graceful stop(), called once the handlers are
      // done, waits for every body to its last byte instead, and the deadline forces it.
      inFlight.delete(entry);
      return response;
    }
    inFlight.move(entry, "streams");
    const end = () => inFlight.delete(entry);
    return whenSent(context, end) ? response : trackBody(response, end, this.#teeNativeBodies);
  }

  /** A 503 sent before any handler ran: the client may safely retry it elsewhere. */
  refuse(context?: unknown): Response {
    return refusal(this.noteRefusal(), context);
  }
}
