import { ShutdownError } from "../errors.ts";
import { Gate } from "../_http/gate.ts";
import type { RuntimeAdapter, ServerDrainer, ShutdownEvents } from "../runtimes/_adapter.ts";
import type { Phase, ShutdownReport } from "../types.ts";
import { CleanupHooks, type Hook } from "./hooks.ts";
import { type CutItem, InFlight } from "./in_flight.ts";
import type { ResolvedOptions } from "./options.ts";
import { ProgressLog } from "./progress.ts";
import { buildReport, formatMs, logReport } from "./report.ts";
import { safely, Servers } from "./servers.ts";
import { Timers } from "./timers.ts";

/**
 * @internal The lifecycle's hidden state: phases, deadline, hooks and servers. `createShutdown()` exposes it
 * through a plain object; the HTTP parts reach it through its gate, read-only state and events.
 */
export class Lifecycle implements ShutdownEvents {
  readonly options: ResolvedOptions;
  readonly inFlight: InFlight = new InFlight();
  readonly gate: Gate = new Gate(this);
  readonly done: Promise<ShutdownReport>;
  readonly #runtime: RuntimeAdapter;
  readonly #signalController = new AbortController();
  readonly #deadlineController = new AbortController();
  readonly #onStart = new Set<() => void>();
  readonly #onDrain = new Set<() => void>();
  readonly #onForce = new Set<() => void>();
  readonly #hooks = new CleanupHooks();
  readonly #servers = new Servers((what, error) => this.#logError(what, error));
  readonly #timers: Timers;
  readonly #progress: ProgressLog;
  #resolveDone!: (report: ShutdownReport) => void;
  #removeListeners: Array<() => void> = [];
  #phase: Phase = "running";
  #phaseTimes: Partial<Record<Phase, number>> = {};
  #trigger = "";
  #reason: unknown;
  #startedAt = 0;
  #drainStartedAt = 0;
  #drainEndsAt = 0;
  #stopAt = 0;
  #cut: CutItem[] = [];
  #forced = false;
  #failedTasks = 0;
  #uncaught = false;
  #secondSignal: string | undefined;

  constructor(options: ResolvedOptions, runtime: RuntimeAdapter) {
    this.options = options;
    this.#runtime = runtime;
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    this.#timers = new Timers(options.clock);
    this.#progress = new ProgressLog(this, options.clock, options.logger);
    if (options.signals.length > 0) {
      this.#removeListeners.push(runtime.listenSignals(options.signals, (name) => this.#onSignal(name)));
    }
    if (options.handleErrors) {
      this.#removeListeners.push(runtime.listenErrors((error) => this.#onUncaught(error)));
    }
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** Aborts when the shutdown starts. */
  get signal(): AbortSignal {
    return this.#signalController.signal;
  }

  /** Aborts when the drain is over. */
  get deadline(): AbortSignal {
    return this.#deadlineController.signal;
  }

  /** Milliseconds until the drain ends (before the trigger: the whole drain budget). */
  get drainRemaining(): number {
    return this.#phase === "running"
      ? this.#drainBudget()
      : Math.max(0, this.#drainEndsAt - this.options.clock.now());
  }

  onStart(callback: () => void): () => void {
    return subscribe(this.#onStart, callback);
  }

  onDrain(callback: () => void): () => void {
    return subscribe(this.#onDrain, callback);
  }

  /** The drain was cut at the deadline (or by a second signal): terminate what is left. */
  onForce(callback: () => void): () => void {
    return subscribe(this.#onForce, callback);
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
    this.#signalController.abort(new ShutdownError(`shutdown started (${trigger})`, { cause: reason }));
    this.inFlight.abortRequestSignals("signal", this.signal.reason);
    this.#emit("start", this.#onStart);
    this.#timers.after(drainBudget, () => this.#endDrain(false));
    this.#timers.after(timeout, () => this.#finish());
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
      this.#timers.after(Math.min(delay, drainBudget), () => this.#startDrain());
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
    this.#servers.add(drainer, this.#phase);
  }

  waitUntil(promise: PromiseLike<unknown>, name: string): void {
    const onError = (error: unknown) => this.#logError(`task "${name}"`, error);
    if (this.#phase === "stopped") {
      // Nothing waits any more; still observe the rejection so that it is logged, not unhandled.
      this.options.logger.warn(`task "${name}" registered after the shutdown stopped: not awaited`, {
        task: name,
      });
      Promise.resolve(promise).catch(onError);
      return;
    }
    const entry = this.inFlight.add("tasks", name, this.options.clock.now());
    Promise.resolve(promise).then(() => this.inFlight.delete(entry), (error) => {
      if (this.#phase !== "running") this.#failedTasks++;
      onError(error);
      this.inFlight.delete(entry);
    });
  }

  #drainBudget(): number {
    const { timeout, cleanupTimeout } = this.options;
    return timeout - (this.#hooks.size > 0 ? cleanupTimeout : 0);
  }

  #onSignal(name: string): void {
    if (this.#phase === "running") return void this.trigger(name);
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
    this.#servers.drain();
    this.#emit("drain", this.#onDrain);
    this.inFlight.whenIdle(() => this.#endDrain(true));
  }

  /** Ends the drain: gently when idle (close the servers, still bounded by the deadline), else by force. */
  #endDrain(idle: boolean): void {
    if (this.#phase === "unready") this.#startDrain();
    if (this.#phase !== "draining") return;
    if (!idle) {
      this.#cutAndForce();
      return void this.#cleanup();
    }
    const closeServers = () => {
      if (this.#phase === "draining") void this.#servers.close().then(() => this.#cleanup());
    };
    if (!this.#servers.hasConnections(this.gate.mayHaveIdleConnections)) return closeServers();
    const closeWhenQuiet = () => {
      const left = this.gate.idleGraceLeft(this.#drainStartedAt);
      if (left > 0) this.#timers.after(left, closeWhenQuiet);
      else closeServers();
    };
    closeWhenQuiet();
  }

  #cutAndForce(): void {
    // The shutdown's and each request's deadline signal first: the requests' live on their entries, which
    // the cut forgets. Nothing in flight can end in between: its end comes by an event or a promise.
    this.#abortDeadline("drain deadline passed");
    const cut = this.inFlight.cutAll(this.options.clock.now());
    this.#cut.push(...cut);
    this.#forced = true;
    if (cut.length > 0) {
      this.options.logger.warn(`deadline: cutting ${cut.length} in flight`, { phase: this.#phase, cut });
    }
    // WebSockets first: their close frame (and last message) must go out before the servers' force
    // destroys the sockets under them.
    this.#emit("force", this.#onForce);
    this.#servers.force();
  }

  async #cleanup(): Promise<void> {
    if (this.#phase !== "draining") return;
    this.#abortDeadline("drain over");
    this.#enter("cleanup");
    const { clock, logger } = this.options;
    const remaining = this.#stopAt - clock.now();
    logger.info(`cleanup: ${this.#hooks.size} hook(s), ${formatMs(remaining)} left`, {
      phase: "cleanup",
      hooks: this.#hooks.size,
      remaining,
    });
    if (await this.#hooks.run(this.#stopAt, clock, logger, () => this.phase === "cleanup")) this.#finish();
  }

  #finish(): void {
    if (this.#phase === "stopped" || this.#phase === "running") return;
    const { clock, logger, exit } = this.options;
    if (this.#phase === "unready" || this.#phase === "draining") this.#cutAndForce();
    else this.#cut.push(...this.inFlight.cutAll(clock.now())); // work started during cleanup and not done
    this.#hooks.recordUnrun(clock.now(), this.#secondSignal !== undefined);
    this.#enter("stopped");
    this.#timers.clear();
    this.#progress.stop();
    for (const remove of this.#removeListeners.splice(0)) remove();
    const report = buildReport({
      trigger: this.#trigger,
      reason: this.#reason,
      phaseTimes: this.#phaseTimes,
      finished: this.inFlight.finished(),
      refused: this.gate.refused,
      cutItems: this.#cut,
      failedTasks: this.#failedTasks,
      hooks: this.#hooks.results,
      forced: this.#forced,
      uncaught: this.#uncaught,
      secondSignal: this.#secondSignal,
    });
    logReport(logger, report);
    this.#resolveDone(report);
    if (!exit) return;
    // A second signal means "now"; otherwise let code awaiting `done` run its continuation first.
    if (this.#secondSignal) this.#runtime.exit(report.exitCode);
    else setTimeout(() => this.#runtime.exit(report.exitCode), 0);
  }

  #enter(phase: Phase): void {
    this.#phase = phase;
    this.#phaseTimes[phase] = Math.round(this.options.clock.now() - this.#startedAt);
  }

  #abortDeadline(why: string): void {
    if (this.deadline.aborted) return;
    this.#deadlineController.abort(new ShutdownError(why, { cause: this.#reason }));
    this.inFlight.abortRequestSignals("deadline", this.deadline.reason);
  }

  #emit(what: string, callbacks: Set<() => void>): void {
    for (const callback of callbacks) safely(callback, (error) => this.#logError(what, error));
  }

  #logError(what: string, error: unknown): void {
    this.options.logger.error(`${what} failed: ${(error as Error)?.message ?? error}`, { error });
  }
}

function subscribe(callbacks: Set<() => void>, callback: () => void): () => void {
  const entry = () => callback(); // its own identity: subscribing the same function twice calls it twice
  callbacks.add(entry);
  return () => callbacks.delete(entry);
}
