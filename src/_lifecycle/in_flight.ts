import { type Clock, systemClock } from "../clock.ts";
import { targetOf } from "../_http/url.ts";
import type { CutItem, InFlightCounts, InFlightKind } from "../report.ts";

export type { CutItem, InFlightCounts, InFlightKind };

/** @internal One piece of work in flight. Mutable kind: a request becomes a stream when its handler returns. */
export interface InFlightEntry {
  kind: InFlightKind;
  /** The kind it started as: a request whose body was still being sent finished as a request. */
  readonly origin: InFlightKind;
  readonly start: number;
  readonly label: string | { readonly method: string; readonly url: string };
}

/** An entry linked into the list of work in flight. */
interface Linked extends InFlightEntry {
  prev: Linked | undefined;
  next: Linked | undefined;
  live: boolean;
}

/**
 * @internal Counts the work in flight and tells, by an event rather than by polling, when none is left.
 * The entries form a doubly linked list through their own fields: adding and removing one (twice per
 * request) writes a few fields, where a Set hashed, and grew and shrank its table, and `move` needed a lookup.
 * The list keeps the cut list exact; the counters keep `counts` O(1).
 */
export class InFlight {
  #head: Linked | undefined;
  #tail: Linked | undefined;
  #size = 0;
  readonly #counts: InFlightCounts = { requests: 0, streams: 0, webSockets: 0, tasks: 0 };
  readonly #finished: InFlightCounts = { requests: 0, streams: 0, webSockets: 0, tasks: 0 };
  #countFinished = false;
  #onIdle: (() => void) | undefined;
  readonly #now: () => number;

  /** `now`: the time in ms that entries' starts and the cut list's ages are read from. */
  constructor(now: () => number) {
    this.#now = now;
  }

  /** Adds one piece of work, started now. */
  add(kind: InFlightKind, label: InFlightEntry["label"]): InFlightEntry {
    const entry: Linked = {
      kind,
      origin: kind,
      start: this.#now(),
      label,
      prev: this.#tail,
      next: undefined,
      live: true,
    };
    if (this.#tail) this.#tail.next = entry;
    else this.#head = entry;
    this.#tail = entry;
    this.#size++;
    this.#counts[kind]++;
    return entry;
  }

  /** Moves an entry to another kind (a request whose handler returned becomes a stream being sent). */
  move(entry: InFlightEntry, kind: InFlightKind): void {
    if (!(entry as Linked).live || entry.kind === kind) return;
    this.#counts[entry.kind]--;
    this.#counts[kind]++;
    entry.kind = kind;
  }

  /** Removes an entry; removing it twice is harmless, so racing completion signals need no coordination. */
  delete(entry: InFlightEntry): void {
    const linked = entry as Linked;
    if (!linked.live) return;
    linked.live = false;
    if (linked.prev) linked.prev.next = linked.next;
    else this.#head = linked.next;
    if (linked.next) linked.next.prev = linked.prev;
    else this.#tail = linked.prev;
    linked.prev = linked.next = undefined;
    this.#size--;
    this.#counts[entry.kind]--;
    if (this.#countFinished) this.#finished[entry.origin]++;
    if (this.#size === 0 && this.#onIdle) {
      const onIdle = this.#onIdle;
      this.#onIdle = undefined;
      onIdle();
    }
  }

  /** Whether `entry` is still in flight. */
  has(entry: InFlightEntry): boolean {
    return (entry as Linked).live;
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
    for (const entry of this.#entries()) if (typeof entry.label !== "string") yield entry.label;
  }

  /** Total number of entries. */
  get size(): number {
    return this.#size;
  }

  /** Calls `callback` once, as soon as nothing is in flight (at once if nothing is). */
  whenIdle(callback: () => void): void {
    if (this.#size === 0) callback();
    else this.#onIdle = callback;
  }

  /** Lists every entry as cut at time `now`, and forgets them so that late completions change nothing. */
  cutAll(): CutItem[] {
    const now = this.#now();
    const cut = [...this.#entries()].map((entry) => ({
      kind: entry.kind,
      label: typeof entry.label === "string"
        ? entry.label
        : `${entry.label.method} ${targetOf(entry.label.url)}`,
      age: Math.round(now - entry.start),
    }));
    for (const entry of this.#entries()) entry.live = false;
    this.#head = this.#tail = undefined;
    this.#size = 0;
    this.#counts.requests =
      this.#counts.streams =
      this.#counts.webSockets =
      this.#counts.tasks =
        0;
    this.#onIdle = undefined;
    return cut;
  }

  /** Walks the list; safe against the current entry being unlinked by the caller. */
  *#entries(): Generator<Linked> {
    for (let entry = this.#head; entry;) {
      const next: Linked | undefined = entry.next;
      yield entry;
      entry = next;
    }
  }
}

/**
 * @internal The clock in-flight entries are stamped with: twice per request, so with `systemClock` it is
 * `Date.now()`, because `performance.now()` costs Deno's server about 5% of its requests per second end to end
 * (measured; it is a call into the runtime there). Only the cut list's ages read it, so a step of the wall
 * clock mid-request could only misstate an age; the deadline and the phases keep the monotonic clock.
 */
export function entryClock(clock: Clock): () => number {
  return clock === systemClock ? Date.now : () => clock.now();
}
