import { ShutdownError } from "../errors.ts";
import { Gate } from "../_http/gate.ts";
import type { RuntimeAdapter, ServerDrainer, ShutdownEvents } from "../runtimes/_adapter.ts";
import type { ShutdownReport } from "../report.ts";
import type { Phase } from "../types.ts";
import { CleanupHooks, type Hook } from "./hooks.ts";
import { entryClock, InFlight } from "./in_flight.ts";
import { Drain } from "./drain.ts";
import type { ResolvedOptions } from "./options.ts";
import { ProgressLog } from "./progress.ts";
import { buildReport, logReport, type TriggerFacts } from "./report.ts";
import { Emitter } from "./events.ts";
import { Tasks } from "./tasks.ts";
import { Timers } from "./timers.ts";
import { drainBudget, servedDelay, warnIfDelayTooLong } from "./budget.ts";
import { ProcessLink } from "./process_group.ts";
import { LazySignal } from "./lazy_signal.ts";
import { ServiceNotices } from "./service_notices.ts";

/** @internal Phases, deadline, hooks and servers, behind `createShutdown()`'s plain object and the gate. */
export class Lifecycle implements ShutdownEvents {
  readonly options: ResolvedOptions;
  readonly inFlight: InFlight;
  readonly gate: Gate = new Gate(this);
  readonly done: Promise<ShutdownReport>;
  readonly #process: ProcessLink;
  readonly #signal = new LazySignal(); // on first read: see lazy_signal.ts
  readonly #started = new Emitter();
  readonly #tasks: Tasks;
  readonly #hooks = new CleanupHooks();
  readonly #timers: Timers;
  readonly #drain: Drain;
  readonly #progress: ProgressLog;
  readonly #runtime: RuntimeAdapter;
  readonly #notices: ServiceNotices | undefined;
  #resolveDone!: (report: ShutdownReport) => void;
  #phase: Phase = "running";
  #phaseTimes: Partial<Record<Phase, number>> = {};
  /** How the shutdown began and ended, for the report. */
  #facts: TriggerFacts = { trigger: "", uncaught: false };
  #startedAt = 0;
  #stopAt = 0;

  constructor(options: ResolvedOptions, runtime: RuntimeAdapter) {
    this.options = options;
    this.inFlight = new InFlight(entryClock(options.clock));
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    this.#timers = new Timers(options.clock);
    this.#drain = new Drain(this, this.#timers, (what, error) => this.#logError(what, error));
    this.#tasks = new Tasks(this.inFlight, options, () => this.#phase !== "running");
    this.#runtime = runtime;
    this.#notices = ServiceNotices.of(runtime, options.logger);
    this.#progress = new ProgressLog(
      this,
      options.clock,
      options.logger,
      this.#notices && ((line) => {
        this.#notices!.status(line);
      }),
    );
    const on = {
      signal: (name: string) => this.#onSignal(name),
      uncaught: (e: unknown) => this.#onUncaught(e),
    };
    this.#process = new ProcessLink(runtime, options, on);
  }

  get phase(): Phase {
    return this.#phase;
  }

  get signal(): AbortSignal {
    return this.#signal.signal;
  }

  get deadline(): AbortSignal {
    return this.#drain.deadline;
  }

  /** What was given to `trigger()`, or the uncaught error; `signal` and `deadline` abort with it as cause. */
  get reason(): unknown {
    return this.#facts.reason;
  }

  /**
   * Milliseconds until the deadline, `timeout` after the trigger (before it: `timeout`). Every "left" figure
   * the log prints counts to this one instant, so that they only go down, also from the drain to cleanup.
   */
  get remaining(): number {
    return this.#phase === "running"
      ? this.options.timeout
      : Math.max(0, this.#stopAt - this.options.clock.now());
  }

  onStart = (callback: () => void): () => void => this.#started.on(callback);
  onDrain = (callback: () => void): () => void => this.#drain.onDrain(callback);
  onForce = (callback: () => void): () => void => this.#drain.onForce(callback);

  /** A server of this shutdown listens: tell a process manager that waits for it (PM2, systemd). */
  announceReady = (): void => {
    this.#runtime.announceReady?.();
    this.#notices?.ready();
  };

  trigger(trigger: string, reason?: unknown): Promise<ShutdownReport> {
    if (this.#phase !== "running") return this.done;
    const { clock, timeout, delay } = this.options;
    Object.assign(this.#facts, { trigger, reason });
    this.#process.started();
    this.#startedAt = clock.now();
    this.#stopAt = this.#startedAt + timeout;
    const budget = this.#drainBudget();
    this.inFlight.startCountingFinished();
    this.#signal.abort(new ShutdownError(`shutdown started (${trigger})`, { cause: reason }));
    this.#started.emit((error) => this.#logError("start", error));
    this.#timers.after(budget, () => this.#endDrain(false));
    this.#timers.after(timeout, () => this.#finish());
    const served = servedDelay(delay, budget);
    this.#notices?.stopping(`shutdown started (${trigger}), draining for up to ${budget} ms`, timeout);
    this.#progress.logStart({ trigger, delay: served, drain: budget - served, timeout });
    if (served === 0) this.#startDrain();
    else {
      this.#enter("unready");
      this.#timers.after(served, () => this.#startDrain());
      this.#progress.restart(); // after the delay's timer: the phase line at its end comes first
    }
    return this.done;
  }

  addHook = (hook: Hook): () => void => {
    const remove = this.#hooks.add(hook);
    if (this.#hooks.size === 1) warnIfDelayTooLong(this.options, this.#drainBudget(), hook.name);
    return remove;
  };
  addDrainer = (drainer: ServerDrainer): void => this.#drain.addServer(drainer);
  adopt = (context: unknown): void => this.#drain.adopt(context);
  /** Background work the drain waits for (not once stopped: then only its rejection is logged). */
  waitUntil = (promise: PromiseLike<unknown>, name: string): void =>
    this.#tasks.add(promise, name, this.#phase !== "stopped");
  #drainBudget = (): number => drainBudget(this.options, this.#hooks.size);

  #onSignal(name: string): void {
    if (this.#phase === "running") return void this.trigger(name);
    if (this.#phase === "stopped") return;
    this.#facts.secondSignal = name;
    this.options.logger.warn(`${name} again: stopping at once`, { phase: this.#phase, signal: name });
    if (this.#phase === "unready" || this.#phase === "draining") this.#drain.cutAndForce(`${name} again`);
    this.#finish();
  }

  #onUncaught(error: unknown): void {
    this.#facts.uncaught = true;
    this.options.logger.error(`uncaught error: ${(error as Error)?.message ?? error}`, { error });
    void this.trigger("error", error);
  }

  #startDrain(): void {
    if (this.#phase !== "running" && this.#phase !== "unready") return;
    this.#enter("draining");
    this.#progress.logNow();
    this.#drain.start();
    this.inFlight.whenIdle(() => this.#endDrain(true));
  }

  /** Ends the drain: gently when idle (close the servers, still bounded by the deadline), else by force. */
  #endDrain(idle: boolean): void {
    if (this.#phase === "unready") this.#startDrain();
    if (this.#phase !== "draining") return;
    if (idle) return this.#drain.closeServers(() => void this.#cleanup());
    this.#drain.cutAndForce();
    void this.#cleanup();
  }

  async #cleanup(): Promise<void> {
    if (this.#phase !== "draining") return;
    this.#drain.abortDeadline("drain over");
    this.#enter("cleanup");
    this.#notices?.status("cleanup: running the hooks"); // systemctl status would show the drain's last line
    const { clock, logger } = this.options;
    if (await this.#hooks.run(this.#stopAt, clock, logger, () => this.phase === "cleanup")) this.#finish();
  }

  #finish(): void {
    if (this.#phase === "stopped" || this.#phase === "running") return;
    const { clock, logger } = this.options;
    if (this.#phase === "unready" || this.#phase === "draining") this.#drain.cutAndForce();
    else this.#drain.cut.push(...this.inFlight.cutAll()); // work started during cleanup and not done
    this.#hooks.recordUnrun(clock.now(), this.#facts.secondSignal !== undefined);
    this.#enter("stopped");
    this.#timers.clear();
    this.#progress.stop();
    const report = buildReport({
      ...this.#facts,
      phaseTimes: this.#phaseTimes,
      finished: this.inFlight.finished(),
      refused: this.gate.refused,
      cutItems: this.#drain.cut,
      failedTasks: this.#tasks.failed,
      hooks: this.#hooks.results,
      forced: this.#drain.forced,
    });
    logReport(logger, report);
    this.#notices?.status(`stopped: exit code ${report.exitCode}`);
    this.#resolveDone(report);
    this.#process.stopped(
      report.exitCode,
      this.#facts.secondSignal !== undefined,
      this.#stopAt - clock.now(),
      report.cutItems.some((item) => item.kind !== "tasks"),
    );
  }

  #enter(phase: Phase): void {
    this.#phase = phase;
    this.#phaseTimes[phase] = Math.round(this.options.clock.now() - this.#startedAt);
  }

  #logError(what: string, error: unknown): void {
    this.options.logger.error(`${what} failed: ${(error as Error)?.message ?? error}`, { error });
  }
}
