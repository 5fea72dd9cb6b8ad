import { checkDuration, checkOptionKeys, invalid } from "../_lifecycle/validate.ts";
import type { DrainSSEOptions } from "../sse.ts";

const KNOWN = new Set(["event", "retry", "data", "spread"]);

/** @internal The options with their defaults; `retry` is picked now when a range was given. */
export interface ResolvedSSEOptions {
  event: string;
  retry: number;
  data: string;
  spread: number;
}

/** @internal Validates the options, naming option and value, and fills in the defaults. */
export function resolveSSEOptions(context: string, options: DrainSSEOptions): ResolvedSSEOptions {
  checkOptionKeys(context, options, KNOWN);
  const { event = "shutdown", retry = 1000, data = "shutting down", spread = 0 } = options;
  if (typeof event !== "string") throw invalid(context, "event", "a string", event);
  if (event === "" || /[\r\n]/.test(event)) {
    throw invalid(context, "event", "one non-empty line", event, true);
  }
  if (typeof data !== "string") throw invalid(context, "data", "a string", data);
  return {
    event,
    retry: resolveRetry(context, retry),
    data,
    spread: checkDuration(context, "spread", spread),
  };
}

function resolveRetry(context: string, retry: DrainSSEOptions["retry"]): number {
  const rule = "a non-negative integer of milliseconds, or { min, max } of them";
  if (typeof retry === "number") {
    if (!Number.isSafeInteger(retry) || retry < 0) throw invalid(context, "retry", rule, retry, true);
    return retry;
  }
  const { min, max } = (retry ?? {}) as { min?: unknown; max?: unknown };
  if (typeof min !== "number" || typeof max !== "number") throw invalid(context, "retry", rule, retry);
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || max < min) {
    throw invalid(context, "retry", `${rule}, min at most max`, `{ min: ${min}, max: ${max} }`, true);
  }
  return min + Math.floor(Math.random() * (max - min + 1));
}

/** @internal Calls `callback` at a random point within `spread` ms (at once when it is 0). */
export function afterSpread(spread: number, callback: () => void): void {
  if (spread > 0) setTimeout(callback, Math.random() * spread);
  else callback();
}

/** @internal The final event as SSE text: one `data:` line per line of data, then the retry hint. */
export function finalEvent({ event, retry, data }: ResolvedSSEOptions): string {
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}`).join("\n");
  return `event: ${event}\n${lines}\nretry: ${retry}\n\n`;
}

const LF = 10;
const CR = 13;

/**
 * @internal Follows an SSE byte stream and tells whether it stands between two events (after the blank
 * line that ends one), where a final event may be added without cutting one in half. Lines end with CRLF,
 * LF or CR, as the SSE parser accepts.
 */
export class EventBoundary {
  #atBoundary = true;
  #lineLength = 0;
  #afterCR = false;

  /** Whether everything seen so far ends with a whole event (or nothing was seen). */
  get atBoundary(): boolean {
    return this.#atBoundary;
  }

  /** Feeds the next chunk of the stream. */
  push(bytes: Uint8Array): void {
    for (const byte of bytes) {
      if (byte === LF && this.#afterCR) {
        this.#afterCR = false; // the LF of a CRLF: that line already ended at the CR
        continue;
      }
      this.#afterCR = byte === CR;
      if (byte === LF || byte === CR) {
        // A blank line dispatches the event; a field line's end leaves the event open.
        this.#atBoundary = this.#lineLength === 0;
        this.#lineLength = 0;
      } else {
        this.#lineLength++;
        this.#atBoundary = false;
      }
    }
  }
}
