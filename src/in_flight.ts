import { targetOf } from "./_url.ts";

/**
 * What the drain waits for, by kind.
 *
 * @example Logging what the drain waits for
 * ```ts
 * import { createShutdown } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const { requests, streams, webSockets, tasks } = shutdown.inFlight;
 * console.log(requests + streams + webSockets + tasks); // 0
 * ```
 */
export interface InFlightCounts {
  /** Requests whose handler has not produced a response yet. */
  requests: number;
  /** Responses returned by their handler whose body is still being sent (streams, SSE, large bodies). */
  streams: number;
  /** Open WebSockets registered with `trackWebSocket()`. */
  webSockets: number;
  /** Background work registered with `waitUntil()`. */
  tasks: number;
}

/**
 * The kinds of work counted in flight.
 *
 * @example Summing the work in flight
 * ```ts
 * import { createShutdown, type InFlightKind } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, logger: false });
 * const kinds: InFlightKind[] = ["requests", "streams", "webSockets", "tasks"];
 * console.log(kinds.reduce((sum, kind) => sum + shutdown.inFlight[kind], 0)); // 0
 * ```
 */
export type InFlightKind = keyof InFlightCounts;

/**
 * Something the drain could not finish before the deadline, as listed in the report.
 *
 * @example Listing what was cut
 * ```ts
 * import { createShutdown, type CutItem } from "@graceful/drain";
 *
 * const shutdown = createShutdown({ signals: false, exit: false, logger: false });
 * const report = await shutdown.trigger();
 * const cut = report.cutItems.map((item: CutItem) => `${item.kind} ${item.label} after ${item.age} ms`);
 * console.log(cut); // []
 * ```
 */
export interface CutItem {
  /** What kind of work it was. */
  kind: InFlightKind;
  /** `GET /path` for requests and streams, the task's or socket's name otherwise. */
  label: string;
  /** Milliseconds between its start and the moment it was cut. */
  age: number;
}

/** @internal One piece of work in flight. Mutable kind: a request becomes a stream when its handler returns. */
export interface InFlightEntry {
  kind: InFlightKind;
  /** The kind it started as: a request whose body was still being sent finished as a request. */
  readonly origin: InFlightKind;
  readonly start: number;
  readonly label: string | { readonly method: string; readonly url: string };
}

/**
 * @internal Counts the work in flight and tells, by an event rather than by polling, when none is left.
 * One Set of entries keeps the cut list exact; the counters keep `counts` O(1).
 */
export class InFlight {
  readonly #entries = new Set<InFlightEntry>();
  readonly #counts: InFlightCounts = { requests: 0, streams: 0, webSockets: 0, tasks: 0 };
  readonly #finished: InFlightCounts = { requests: 0, streams: 0, webSockets: 0, tasks: 0 };
  #countFinished = false;
  #onIdle: (() => void) | undefined;

  /** Adds one piece of work; `now` is the clock's time. */
  add(kind: InFlightKind, label: InFlightEntry["label"], now: number): InFlightEntry {
    const entry: InFlightEntry = { kind, origin: kind, start: now, label };
    this.#entries.add(entry);
    this.#counts[kind]++;
    return entry;
  }

  /** Moves an entry to another kind (a request whose handler returned becomes a stream being sent). */
  move(entry: InFlightEntry, kind: InFlightKind): void {
    if (!this.#entries.has(entry) || entry.kind === kind) return;
    this.#counts[entry.kind]--;
    this.#counts[kind]++;
    entry.kind = kind;
  }

  /** Removes an entry; removing it twice is harmless, so racing completion signals need no coordination. */
  delete(entry: InFlightEntry): void {
    if (!this.#entries.delete(entry)) return;
    this.#counts[entry.kind]--;
    if (this.#countFinished) this.#finished[entry.origin]++;
    if (this.#entries.size === 0 && this.#onIdle) {
      const onIdle = this.#onIdle;
      this.#onIdle = undefined;
      onIdle();
    }
  }

  /** A snapshot of the counts. */
  counts(): InFlightCounts {
    return { ...this.#counts };
  }

  /** What finished since `startCountingFinished()`, by the kind each started as (no request counts twice). */
  finished(): InFlightCounts {
    return { ...this.#finished };
  }

  /** From now on, finished work is counted for the report. */
  startCountingFinished(): void {
    this.#countFinished = true;
  }

  /** The requests in flight (handlers running or responses being sent). */
  *requests(): Generator<object> {
    for (const entry of this.#entries) if (typeof entry.label !== "string") yield entry.label;
  }

  /** Total number of entries. */
  get size(): number {
    return this.#entries.size;
  }

  /** Calls `callback` once, as soon as nothing is in flight (at once if nothing is). */
  whenIdle(callback: () => void): void {
    if (this.#entries.size === 0) callback();
    else this.#onIdle = callback;
  }

  /** Lists every entry as cut at time `now`, and forgets them so that late completions change nothing. */
  cutAll(now: number): CutItem[] {
    const cut = [...this.#entries].map((entry) => ({
      kind: entry.kind,
      label: typeof entry.label === "string"
        ? entry.label
        : `${entry.label.method} ${targetOf(entry.label.url)}`,
      age: Math.round(now - entry.start),
    }));
    this.#entries.clear();
    this.#counts.requests =
      this.#counts.streams =
      this.#counts.webSockets =
      this.#counts.tasks =
        0;
    this.#onIdle = undefined;
    return cut;
  }
}
