import type { Clock, Logger } from "../mod.ts";

/**
 * A clock whose time moves only when a test says so. Timers fire in time order; between two timers the
 * promise continuations they started run (a bounded number of microtask turns), as they would in real time.
 */
export class FakeClock implements Clock {
  #now = 0;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; seq: number; fn: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), seq: id, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Pending timers. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing each due timer at its own time. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      let next: [number, { at: number; seq: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (
          entry[1].at <= target &&
          (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[1].seq < next[1].seq))
        ) {
          next = entry;
        }
      }
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = next[1].at;
      next[1].fn();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}

/**
 * Polls `condition` once per macrotask until it holds; fails after `ms` of wall-clock time, naming `what`.
 * For state that has no event to wait on (another task's progress, a socket's byte count). Bounded by time,
 * not by a count of timers, which a loaded machine stretches.
 */
export async function until(condition: () => boolean, ms = 5_000, what = "the condition"): Promise<void> {
  for (const deadline = performance.now() + ms; !condition();) {
    if (performance.now() > deadline) throw new Error(`${what}: not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Lets pending promise continuations run: a fixed number of microtask turns, no timers involved. */
export async function settle(turns = 50): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

/** A logger that keeps every line for assertions. */
export function recordingLogger(): Logger & {
  lines: Array<{ level: string; message: string; data?: Record<string, unknown> }>;
} {
  const lines: Array<{ level: string; message: string; data?: Record<string, unknown> }> = [];
  return {
    lines,
    info: (message, data) => void lines.push({ level: "info", message, data }),
    warn: (message, data) => void lines.push({ level: "warn", message, data }),
    error: (message, data) => void lines.push({ level: "error", message, data }),
  };
}

/**
 * Waits for `promise`, failing after `ms`. The pending timer also keeps the event loop alive, which Deno
 * needs while a test waits for a signal: its signal listeners do not hold the loop.
 */
export async function within<T>(promise: Promise<T>, ms: number, what = "the promise"): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
