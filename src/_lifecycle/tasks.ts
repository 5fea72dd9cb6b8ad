import type { InFlight } from "./in_flight.ts";
import type { ResolvedOptions } from "./options.ts";

/** @internal Background work (`waitUntil()`) that the drain waits for; a rejection is logged and counted. */
export class Tasks {
  readonly #inFlight: InFlight;
  readonly #options: Pick<ResolvedOptions, "logger">;
  readonly #shuttingDown: () => boolean;
  /** Tasks that rejected after the trigger: they make the exit code 1. */
  failed = 0;

  constructor(
    inFlight: InFlight,
    options: Pick<ResolvedOptions, "logger">,
    shuttingDown: () => boolean,
  ) {
    this.#inFlight = inFlight;
    this.#options = options;
    this.#shuttingDown = shuttingDown;
  }

  /** Counts `promise` in flight until it settles; `awaited` false once the shutdown has stopped. */
  add(promise: PromiseLike<unknown>, name: string, awaited: boolean): void {
    const { logger } = this.#options;
    const onError = (error: unknown) =>
      logger.error(`task "${name}" failed: ${(error as Error)?.message ?? error}`, { task: name, error });
    if (!awaited) {
      // Nothing waits any more; still observe the rejection so that it is logged, not unhandled.
      logger.warn(`task "${name}" registered after the shutdown stopped: not awaited`, { task: name });
      Promise.resolve(promise).catch(onError);
      return;
    }
    const entry = this.#inFlight.add("tasks", name);
    Promise.resolve(promise).then(() => this.#inFlight.delete(entry), (error) => {
      if (this.#shuttingDown()) this.failed++;
      onError(error);
      this.#inFlight.delete(entry);
    });
  }
}
