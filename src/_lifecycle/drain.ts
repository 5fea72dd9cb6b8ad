import { ShutdownError } from "../errors.ts";
import type { Gate } from "../_http/gate.ts";
import type { ServerDrainer } from "../runtimes/_adapter.ts";
import type { Phase } from "../types.ts";
import { Emitter } from "./events.ts";
import { LazySignal } from "./lazy_signal.ts";
import type { CutItem, InFlight } from "./in_flight.ts";
import type { ResolvedOptions } from "./options.ts";
import { Servers } from "./servers.ts";
import { serverFromContext } from "../runtimes/_select.ts";
import type { Timers } from "./timers.ts";

/** @internal What the drain reads of its lifecycle. */
export interface DrainHost {
  readonly phase: Phase;
  readonly options: ResolvedOptions;
  readonly inFlight: InFlight;
  readonly gate: Gate;
  readonly reason: unknown;
}

/**
 * @internal The servers and the deadline of one shutdown: drains and closes the servers (after the idle
 * keep-alive grace), and at the deadline aborts `deadline`, cuts what is still in flight and forces the
 * servers closed.
 */
export class Drain {
  /** What was cut, for the report. */
  readonly cut: CutItem[] = [];
  readonly #host: DrainHost;
  readonly #timers: Timers;
  readonly #servers: Servers;
  readonly #deadline = new LazySignal(); // on first read: see lazy_signal.ts
  readonly #draining = new Emitter();
  readonly #forcing = new Emitter();
  readonly #logError: (what: string, error: unknown) => void;
  #startedAt = 0;
  #forced = false;

  constructor(host: DrainHost, timers: Timers, logError: (what: string, error: unknown) => void) {
    this.#host = host;
    this.#timers = timers;
    this.#logError = logError;
    this.#servers = new Servers(logError);
  }

  /** Aborts when the drain is over: deadline passed, or nothing left in flight. */
  get deadline(): AbortSignal {
    return this.#deadline.signal;
  }

  /** Whether connections were force-closed. */
  get forced(): boolean {
    return this.#forced;
  }

  /** Draining began (after the delay). */
  onDrain(callback: () => void): () => void {
    return this.#draining.on(callback);
  }

  /** The drain was cut (deadline or second signal): terminate what is left. */
  onForce(callback: () => void): () => void {
    return this.#forcing.on(callback);
  }

  addServer(drainer: ServerDrainer): void {
    this.#servers.add(drainer, this.#host.phase);
  }

  /** Owns the server the first request came through when none was attached, or warns that it cannot. */
  adopt(context: unknown): void {
    if (this.#servers.size > 0) return;
    const found = serverFromContext(context);
    if (found && "drainer" in found) this.addServer(found.drainer);
    else if (found) this.#host.options.logger.warn(found.warning, { phase: this.#host.phase });
  }

  start(): void {
    this.#startedAt = this.#host.options.clock.now();
    this.#servers.drain();
    this.#draining.emit((error) => this.#logError("drain", error));
  }

  /**
   * Closes the servers once nothing is in flight, then calls `then`. Idle keep-alive connections get their
   * grace first, where a server may hold one (see `_http/keep_alive.ts`).
   */
  closeServers(then: () => void): void {
    const close = () => {
      if (this.#host.phase === "draining") void this.#servers.close().then(then);
    };
    if (!this.#servers.hasConnections(this.#host.gate.mayHaveIdleConnections)) return close();
    const closeWhenQuiet = () => {
      const left = this.#host.gate.idleGraceLeft(this.#startedAt);
      if (left > 0) this.#timers.after(left, closeWhenQuiet);
      else close();
    };
    closeWhenQuiet();
  }

  /**
   * The deadline passed (or a second signal came): cut what is in flight, force the servers closed. `why`
   * starts the log line: `deadline`, or `SIGTERM again` for a second signal.
   */
  cutAndForce(why = "deadline"): void {
    const { inFlight, options, phase } = this.#host;
    // The shutdown's and each request's deadline signal first: the requests' live on their entries, which
    // the cut forgets. Nothing in flight can end in between: its end comes by an event or a promise.
    this.abortDeadline("drain deadline passed");
    const cut = inFlight.cutAll();
    this.#forced = true;
    // WebSockets first: their close frame (and last message) must go out before the servers' force
    // destroys the sockets under them.
    this.#forcing.emit((error) => this.#logError("force", error));
    cut.push(...this.#servers.force());
    this.cut.push(...cut);
    if (cut.length > 0) options.logger.warn(`${why}: cutting ${cut.length} in flight`, { phase, cut });
  }

  /** Aborts `deadline` (once). */
  abortDeadline(why: string): void {
    if (this.#deadline.aborted) return;
    this.#deadline.abort(new ShutdownError(why, { cause: this.#host.reason }));
  }
}
