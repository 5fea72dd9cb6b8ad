import { checkOptionKeys, describe } from "../_lifecycle/validate.ts";
import type { DrainSSEOptions } from "../sse.ts";

const KNOWN = new Set(["event", "retry", "data"]);

/** @internal Validates the options, naming option and value, and fills in the defaults. */
export function resolveSSEOptions(context: string, options: DrainSSEOptions): Required<DrainSSEOptions> {
  checkOptionKeys(context, options, KNOWN);
  const { event = "shutdown", retry = 1000, data = "shutting down" } = options;
  if (typeof event !== "string") {
    throw new TypeError(`${context}: "event" must be a string, received ${describe(event)}`);
  }
  if (event === "" || /[\r\n]/.test(event)) {
    throw new RangeError(`${context}: "event" must be one non-empty line, received ${describe(event)}`);
  }
  if (typeof retry !== "number") {
    throw new TypeError(`${context}: "retry" must be a number of milliseconds, received ${describe(retry)}`);
  }
  if (!Number.isSafeInteger(retry) || retry < 0) {
    throw new RangeError(`${context}: "retry" must be a non-negative integer, received ${retry}`);
  }
  if (typeof data !== "string") {
    throw new TypeError(`${context}: "data" must be a string, received ${describe(data)}`);
  }
  return { event, retry, data };
}

/** @internal The final event as SSE text: one `data:` line per line of data, then the retry hint. */
export function finalEvent({ event, retry, data }: Required<DrainSSEOptions>): string {
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
