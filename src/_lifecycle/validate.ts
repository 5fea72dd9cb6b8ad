import type { Logger } from "../types.ts";

/**
 * @internal Argument checks for every public function, with one message shape:
 * `Cannot <verb>: "<option>" must be <rule>, received <value>`.
 */

/** @internal A short, safe rendering of a received value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}

/**
 * @internal The error for an invalid argument: a TypeError (wrong type), or a RangeError (right type, value
 * out of range) when `range` is true.
 */
export function invalid(
  context: string,
  name: string,
  rule: string,
  value: unknown,
  range = false,
  note = "",
): Error {
  const message = `${context}: "${name}" must be ${rule}, received ${describe(value)}${note && ` (${note})`}`;
  return range ? new RangeError(message) : new TypeError(message);
}

/** @internal Returns `value` if it is a non-negative finite number of milliseconds; throws otherwise. */
export function checkDuration(context: string, name: string, value: unknown): number {
  if (typeof value !== "number") throw invalid(context, name, "a number of milliseconds", value);
  if (!Number.isFinite(value) || value < 0) {
    throw invalid(context, name, "a non-negative finite number", value, true);
  }
  return value;
}

/** @internal Returns `value` if it is a boolean (or undefined: then `fallback`); throws otherwise. */
export function checkBoolean(context: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw invalid(context, name, "a boolean", value);
  return value;
}

/**
 * @internal Throws a TypeError unless `options` is an object whose every key is in `known`: a misspelt option
 * fails at creation instead of being ignored.
 */
export function checkOptionKeys(context: string, options: unknown, known: ReadonlySet<string>): void {
  if (typeof options !== "object" || options === null) {
    throw invalid(context, "options", "an object", options);
  }
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`${context}: unknown option "${key}"`);
  }
}

/**
 * @internal Warns when a duration looks like seconds given for milliseconds (`timeout: 5`): below 100 ms a
 * shutdown step can hardly do anything, so such a value is almost surely a mistake.
 */
export function warnIfSeconds(
  logger: Logger,
  context: string,
  name: string,
  value: number | undefined,
): void {
  if (value === undefined || value >= 100) return;
  logger.warn(
    `${context}: "${name}" is ${value} ms; every duration is in milliseconds (for ${value} s, write ${
      value * 1000
    })`,
    { [name]: value },
  );
}
