import type { Clock } from "../clock.ts";
import type { InFlightCounts } from "./in_flight.ts";
import { formatCounts, formatMs } from "./report.ts";
import type { Logger, Phase } from "../types.ts";

const PROGRESS_INTERVAL = 1_000;

/** @internal What a progress line reads from the lifecycle at the moment it is written. */
export interface ProgressSource {
  readonly phase: Phase;
  /** Milliseconds until the deadline. */
  readonly remaining: number;
  readonly inFlight: { counts(): InFlightCounts };
}

/**
 * @internal A progress line every second while unready or draining. One chain of timers, restarted by each
 * phase line so that a progress line never repeats the phase line of the same instant.
 */
export class ProgressLog {
  #timer: unknown;
  #source: ProgressSource;
  #clock: Clock;
  #logger: Logger;
  #onLine: ((line: string) => void) | undefined;

  /** `onLine` gets each progress line's text too (systemd's STATUS=). */
  constructor(source: ProgressSource, clock: Clock, logger: Logger, onLine?: (line: string) => void) {
    this.#source = source;
    this.#clock = clock;
    this.#logger = logger;
    this.#onLine = onLine;
  }

  /** The trigger's lines: what the shutdown will do, and the unready phase when there is a delay (ms). */
  logStart(facts: { trigger: string; delay: number; drain: number; timeout: number }): void {
    const { trigger, delay, drain, timeout } = facts;
    this.#logger.info(
      `shutdown started (${trigger}): delay ${delay} ms, drain up to ${drain} ms, timeout ${timeout} ms`,
      { phase: "running", trigger, delay, drain, timeout, inFlight: this.#source.inFlight.counts() },
    );
    if (delay === 0) return;
    this.#logger.info(`unready: readiness answers 503, still serving for ${delay} ms`, {
      phase: "unready",
      delay,
    });
    this.restart();
  }

  /** Writes a line now and restarts the chain. */
  logNow(): void {
    this.#log();
    this.restart();
  }

  /** (Re)starts the chain: the next line comes one interval from now. */
  restart(): void {
    this.stop();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      const { phase } = this.#source;
      if (phase !== "unready" && phase !== "draining") return;
      this.#log();
      this.restart();
    }, PROGRESS_INTERVAL);
  }

  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** `draining: 3 requests, 2 tasks, 4.2 s left`, with the same facts as a structured object. */
  #log(): void {
    const { phase, remaining } = this.#source;
    const counts = this.#source.inFlight.counts();
    const line = `${phase}: ${formatCounts(counts)}, ${formatMs(remaining)} left`;
    this.#onLine?.(line);
    this.#logger.info(line, {
      phase,
      ...counts,
      remaining,
    });
  }
}
