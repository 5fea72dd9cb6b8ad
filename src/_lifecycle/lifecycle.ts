import { ShutdownError } from "../errors.ts";
import { CleanupHooks, type Hook } from "./hooks.ts";
import { InFlight } from "./in_flight.ts";
import type { ResolvedOptions } from "./options.ts";
import { exitProcess, listenErrors } from "../_process.ts";
import { ProgressLog } from "./progress.ts";
import { buildReport, formatMs, logReport } from "./report.ts";
import { IDLE_GRACE, IDLE_QUIET, type ServerDrainer } from "../runtimes/_adapter.ts";
import { listenSignals } from "../signals.ts";
import type { Phase, ShutdownReport } from "../types.ts";
import type { CutItem, InFlightEntry } from "./in_flight.ts";

/**
 * @internal The lifecycle's hidden state: phases, timers, hooks and servers. `createShutdown()` exposes it
 * through a plain object; the HTTP parts (wrap, attach, health) use it directly.
 */
export class Lifecycle {
  readonly options: ResolvedOptions;
  readonly inFlight: InFlight = new InFlight();
  readonly started: AbortController = new AbortController();
  readonly stopNow: AbortController = new AbortController();
  readonly done: Promise<ShutdownReport>;
  /** Called once when draining starts (close WebSockets, raise Bun's idle timeouts, …). */
  readonly onDrain: Set<() => void> = new Set();
  /** Called once when the drain is cut (terminate what is left). */
  readonly onForce: Set<() => void> = new Set();
  refused = 0;
  /** When the gate last refused a request (clock time): clients are still sending on their connections. */
  lastRefusal = 0;
  /**
   * The entry of the request `wrap()` is admitting, set only while its handler runs synchronously, so that a `graceful()`
   * middleware inside it (a Hono app served by `serve()`, which wraps) counts each request once. A field,
   * not a WeakSet of requests: that cost a lookup and an ephemeron per request.
   */
  admitting: InFlightEntry | undefined;
  /** A gate (`wrap()` or `graceful()`) exists: every request the lifecycle must know of passes one. */
  gated = false;
  /** Bun's server is known to the gate (its per-request idle timeouts are lifted when draining starts). */
  bunAware = false;
  /**
   * A response went out without `Connection: close` (while running), so a client may hold an idle keep-alive
   * connection. Until then, with a gate in front of every request, none can exist on Deno or Bun, whose
   * servers cannot tell, and the drain need not give idle connections their grace.
   */
  keptAlive = false;

  #phase: Phase = "running";
  #hooks = new CleanupHooks();
  #drainers: ServerDrainer[] = [];
  #timers = new Set<unknown>();
  #progress: ProgressLog;
  #resolveDone!: (report: ShutdownReport) => void;
  #removeListeners: Array<() => void> = [];
  #trigger = "";
  #reason: unknown;
  #startedAt = 0;
  #phaseTimes: Partial<Record<Phase, number>> = {};
  #drainEndsAt = 0;
  #drainStartedAt = 0;
  #stopAt = 0;
  #cut: CutItem[] = [];
  #forced = false;
  #failedTasks = 0;
  #uncaught = false;
  #secondSignal: string | undefined;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    this.#progress = new ProgressLog(this, options.clock, options.logger);
    if (options.signals.length > 0) {
      this.#removeListeners.push(listenSignals(options.signals, (name) => this.#onSignal(name)));
    }
    if (options.handleErrors) {
      this.#removeListeners.push(listenErrors((error) => this.#onUncaught(error)));
    }
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** Milliseconds until the drain ends (before the trigger: the whole drain budget). */
  get drainRemaining(): number {
    return this.#phase === "running"
      ? this.#drainBudget()
      : Math.max(0, this.#drainEndsAt - this.options.clock.now());
  }

  trigger(trigger: string, reason?: unknown): Promise<ShutdownReport> {
    if (this.#phase !== "running") return this.done;
    const { clock, timeout, delay, logger } = this.options;
    this.#trigger = trigger;
    this.#reason = reason;
    this.#startedAt = clock.now();
    this.#stopAt = this.#startedAt + timeout;
    const drainBudget = this.#drainBudget();
    this.#drainEndsAt = this.#startedAt + drainBudget;
    this.inFlight.startCountingFinished();
    this.started.abort(new ShutdownError(`shutdown started (${trigger})`, { cause: reason }));
    this.inFlight.abortRequestSignals("signal", this.started.signal.reason);
    this.#after(drainBudget, () => this.#endDrain(false));
    this.#after(timeout, () => this.#finish());
    logger.info(
      `shutdown started (${trigger}): delay ${delay} ms, drain up to ${drainBudget} ms, timeout ${timeout} ms`,
      { phase: this.#phase, trigger, delay, drainBudget, timeout, inFlight: this.inFlight.counts() },
    );
    if (delay > 0 && drainBudget > 0) {
      this.#enter("unready");
      logger.info(`unready: readiness answers 503, still serving for ${delay} ms`, {
        phase: "unready",
        delay,
      });
      this.#after(Math.min(delay, drainBudget), () => this.#startDrain());
      this.#progress.restart();
    } else {
      this.#startDrain();
    }
    return this.done;
  }

  addHook(hook: Hook): () => void {
    return this.#hooks.add(hook);
  }

  addDrainer(drainer: ServerDrainer): void {
    this.#drainers.push(drainer);
    if (this.#phase === "draining") this.#safely("drain", () => drainer.drain());
    else if (this.#phase === "cleanup" || this.#phase === "stopped") {
      this.#safely("close", () => drainer.close());
    }
  }

  waitUntil(promise: PromiseLike<unknown>, name: string): void {
    if (this.#phase === "stopped") {
      // Nothing waits any more; still observe the rejection so that it is logged, not unhandled.
      this.options.logger.warn(`task "${name}" registered after the shutdown stopped: not awaited`, {
        task: name,
      });
      Promise.resolve(promise).catch((error) => this.#logError(`task "${name}"`, error));
      return;
    }
    const entry = this.inFlight.add("tasks", name, this.options.clock.now());
    Promise.resolve(promise).then(
      () => this.inFlight.delete(entry),
      (error) => {
        if (this.#phase !== "running") this.#failedTasks++;
        this.options.logger.error(`task "${name}" failed: ${error?.message ?? error}`, { task: name, error });
        this.inFlight.delete(entry);
      },
    );
  }

  #drainBudget(): number {
    const { timeout, cleanupTimeout } = this.options;
    return timeout - (this.#hooks.size > 0 ? cleanupTimeout : 0);
  }

  #onSignal(name: string): void {
    if (this.#phase === "running") {
      void this.trigger(name);
      return;
    }
    if (this.#phase === "stopped") return;
    this.#secondSignal = name;
    this.options.logger.warn(`${name} again: stopping at once`, { phase: this.#phase, signal: name });
    if (this.#phase === "unready" || this.#phase === "draining") this.#cutAndForce();
    this.#finish();
  }

  #onUncaught(error: unknown): void {
    this.#uncaught = true;
    this.options.logger.error(`uncaught error: ${(error as Error)?.message ?? error}`, { error });
    void this.trigger("error", error);
  }

  #startDrain(): void {
    if (this.#phase !== "running" && this.#phase !== "unready") return;
    this.#enter("draining");
    this.#drainStartedAt = this.options.clock.now();
    this.#progress.logNow();
    for (const drainer of this.#drainers) this.#safely("drain", () => drainer.drain());
    for (const callback of this.onDrain) this.#safely("drain", callback);
    this.inFlight.whenIdle(() => this.#endDrain(true));
  }

  /** Ends the drain: gently when idle (close the servers, still bounded by the deadline), else by force. */
  #endDrain(idle: boolean): void {
    if (this.#phase === "unready") this.#startDrain();
    if (this.#phase !== "draining") return;
    if (!idle) {
      this.#cutAndForce();
      void this.#cleanup();
      return;
    }
    const closeServers = () => {
      if (this.#phase !== "draining") return;
      const closing = this.#drainers.map((drainer) =>
        Promise.resolve().then(() => drainer.close()).catch((error) => this.#logError("close", error))
      );
      Promise.all(closing).then(() => this.#cleanup());
    };
    const mayBeKeptAlive = !this.gated || this.keptAlive;
    const idleConnections = this.#drainers.some((drainer) => drainer.hasConnections?.() ?? mayBeKeptAlive);
    if (!idleConnections) return closeServers();
    // The grace for idle keep-alive connections: until the drain is IDLE_GRACE old, or no request has been
    // refused for IDLE_QUIET, whichever comes first.
    const closeWhenQuiet = () => {
      const quietAt = Math.max(this.#drainStartedAt, this.lastRefusal) + IDLE_QUIET;
      const left = Math.min(this.#drainStartedAt + IDLE_GRACE, quietAt) - this.options.clock.now();
      if (left > 0) this.#after(left, closeWhenQuiet);
      else closeServers();
    };
    closeWhenQuiet();
  }

  #cutAndForce(): void {
    const now = this.options.clock.now();
    // The shutdown's and each request's deadline signal first: the requests' live on their entries, which
    // the cut forgets. Nothing in flight can end in between: its end comes by an event or a promise.
    this.#abortStopNow("drain deadline passed");
    const cut = this.inFlight.cutAll(now);
    this.#cut.push(...cut);
    this.#forced = true;
    if (cut.length > 0) {
      this.options.logger.warn(`deadline: cutting ${cut.length} in flight`, { phase: this.#phase, cut });
    }
    // WebSockets first: their close frame (and last message) must go out before the servers' force
    // destroys the sockets under them.
    for (const callback of this.onForce) this.#safely("force", callback);
    for (const drainer of this.#drainers) this.#safely("force", () => drainer.force());
  }

  async #cleanup(): Promise<void> {
    if (this.#phase !== "draining") return;
    this.#abortStopNow("drain over");
    this.#enter("cleanup");
    const { clock, logger } = this.options;
    logger.info(`cleanup: ${this.#hooks.size} hook(s), ${formatMs(this.#stopAt - clock.now())} left`, {
      phase: "cleanup",
      hooks: this.#hooks.size,
      remaining: this.#stopAt - clock.now(),
    });
    const stillRunning = () => this.phase === "cleanup";
    if (!(await this.#hooks.run(this.#stopAt, clock, logger, stillRunning))) return;
    this.#finish();
  }

  #finish(): void {
    if (this.#phase === "stopped" || this.#phase === "running") return;
    const { clock, logger, exit } = this.options;
    if (this.#phase === "unready" || this.#phase === "draining") this.#cutAndForce();
    else this.#cut.push(...this.inFlight.cutAll(clock.now())); // work started during cleanup and not done
    this.#hooks.recordUnrun(clock.now(), this.#secondSignal !== undefined);
    this.#enter("stopped");
    for (const timer of this.#timers) clock.clearTimeout(timer);
    this.#timers.clear();
    this.#progress.stop();
    for (const remove of this.#removeListeners.splice(0)) remove();
    const report = buildReport({
      trigger: this.#trigger,
      reason: this.#reason,
      phaseTimes: this.#phaseTimes,
      finished: this.inFlight.finished(),
      refused: this.refused,
      cutItems: this.#cut,
      failedTasks: this.#failedTasks,
      hooks: this.#hooks.results,
      forced: this.#forced,
      uncaught: this.#uncaught,
      secondSignal: this.#secondSignal,
    });
    logReport(logger, report);
    this.#resolveDone(report);
    if (exit) {
      // A second signal means "now"; otherwise let code awaiting `done` run its continuation first.
      if (this.#secondSignal) exitProcess(report.exitCode);
      else setTimeout(() => exitProcess(report.exitCode), 0);
    }
  }

  #enter(phase: Phase): void {
    this.#phase = phase;
    this.#phaseTimes[phase] = Math.round(this.options.clock.now() - this.#startedAt);
  }

  #after(ms: number, callback: () => void): void {
    const { clock } = this.options;
    const timer = clock.setTimeout(() => {
      this.#timers.delete(timer);
      callback();
    }, ms);
    this.#timers.add(timer);
  }

  #abortStopNow(why: string): void {
    if (this.stopNow.signal.aborted) return;
    this.stopNow.abort(new ShutdownError(why, { cause: this.#reason }));
    this.inFlight.abortRequestSignals("deadline", this.stopNow.signal.reason);
  }

  #safely(what: string, fn: () => unknown): void {
    try {
      const result = fn();
      if (result instanceof Promise) result.catch((error) => this.#logError(what, error));
    } catch (error) {
      this.#logError(what, error);
    }
  }

  #logError(what: string, error: unknown): void {
    this.options.logger.error(`${what} failed: ${(error as Error)?.message ?? error}`, { error });
  }
}
