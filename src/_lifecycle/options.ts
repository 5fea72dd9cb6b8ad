import { type Clock, systemClock } from "../clock.ts";
import { detectRuntime } from "../runtimes/detect.ts";
import { defaultSignals, SIGNAL_NUMBERS } from "../signals.ts";
import type { Logger, ShutdownOptions } from "../types.ts";

/** @internal Options after validation, with every default filled in. */
export interface ResolvedOptions {
  timeout: number;
  delay: number;
  cleanupTimeout: number;
  signals: readonly string[];
  exit: boolean;
  logger: Logger;
  retryAfter: number;
  handleErrors: boolean;
  clock: Clock;
}

const KNOWN = new Set([
  "timeout",
  "delay",
  "cleanupTimeout",
  "signals",
  "exit",
  "logger",
  "retryAfter",
  "handleErrors",
  "clock",
]);

const silent: Logger = { info() {}, warn() {}, error() {} };
const consoleLogger: Logger = {
  info: (message) => console.info(`[graceful-drain] ${message}`),
  warn: (message) => console.warn(`[graceful-drain] ${message}`),
  error: (message, data) =>
    console.error(`[graceful-drain] ${message}`, ...(data?.error ? [data.error] : [])),
};

/** @internal Whether the process runs in a Kubernetes pod, where endpoint removal races SIGTERM. */
export function onKubernetes(): boolean {
  try {
    const g = globalThis as {
      Deno?: { env: { get(name: string): string | undefined } };
      process?: { env?: Record<string, string | undefined> };
    };
    const value = detectRuntime() === "deno"
      ? g.Deno?.env.get("KUBERNETES_SERVICE_HOST")
      : g.process?.env?.KUBERNETES_SERVICE_HOST;
    return Boolean(value);
  } catch {
    return false; // Deno without --allow-env: assume not on Kubernetes rather than fail.
  }
}

/** @internal Throws a RangeError unless `value` is a non-negative finite number of milliseconds. */
export function checkDuration(context: string, name: string, value: unknown): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `${context}: "${name}" must be a number of milliseconds, received ${describe(value)}`,
    );
  }
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${context}: "${name}" must be a non-negative finite number, received ${value}`);
  }
  return value;
}

/**
 * @internal Throws a TypeError unless `options` is an object whose every key is in `known`: a misspelt option
 * fails at creation instead of being ignored.
 */
export function checkOptionKeys(context: string, options: unknown, known: ReadonlySet<string>): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${context}: options must be an object, received ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`${context}: unknown option "${key}"`);
  }
}

/** @internal Validates options and fills in defaults; throws TypeError/RangeError naming the option. */
export function resolveOptions(options: ShutdownOptions = {}): ResolvedOptions {
  const context = "Cannot create shutdown";
  checkOptionKeys(context, options, KNOWN);
  const kubernetes = onKubernetes();
  const timeout = checkDuration(context, "timeout", options.timeout ?? (kubernetes ? 25_000 : 8_000));
  const delay = checkDuration(context, "delay", options.delay ?? (kubernetes ? 5_000 : 0));
  if (delay > timeout) {
    throw new RangeError(`${context}: "delay" (${delay}) must not exceed "timeout" (${timeout})`);
  }
  const cleanupTimeout = checkDuration(context, "cleanupTimeout", options.cleanupTimeout ?? 2_000);
  const signals = resolveSignals(context, options.signals);
  const exit = options.exit ?? signals.length > 0;
  if (typeof exit !== "boolean") {
    throw new TypeError(`${context}: "exit" must be a boolean, received ${describe(exit)}`);
  }
  const handleErrors = options.handleErrors ?? false;
  if (typeof handleErrors !== "boolean") {
    throw new TypeError(`${context}: "handleErrors" must be a boolean, received ${describe(handleErrors)}`);
  }
  return {
    timeout,
    delay,
    cleanupTimeout: Math.min(cleanupTimeout, timeout / 2),
    signals,
    exit,
    logger: resolveLogger(context, options.logger),
    retryAfter: checkDuration(context, "retryAfter", options.retryAfter ?? 1_000),
    handleErrors,
    clock: resolveClock(context, options.clock),
  };
}

function resolveSignals(context: string, signals: ShutdownOptions["signals"]): readonly string[] {
  if (signals === undefined) return defaultSignals();
  if (signals === false) return [];
  if (!Array.isArray(signals)) {
    throw new TypeError(
      `${context}: "signals" must be an array of signal names or false, received ${describe(signals)}`,
    );
  }
  for (const name of signals) {
    if (typeof name !== "string" || !(name in SIGNAL_NUMBERS)) {
      throw new RangeError(
        `${context}: "signals" has an unknown signal ${describe(name)}; known: ${
          Object.keys(SIGNAL_NUMBERS).join(", ")
        }`,
      );
    }
  }
  return [...new Set(signals)];
}

function resolveLogger(context: string, logger: ShutdownOptions["logger"]): Logger {
  if (logger === undefined) return consoleLogger;
  if (logger === false) return silent;
  const methods = ["info", "warn", "error"] as const;
  if (typeof logger !== "object" || logger === null || methods.some((m) => typeof logger[m] !== "function")) {
    throw new TypeError(
      `${context}: "logger" must be false or have info, warn and error methods, received ${describe(logger)}`,
    );
  }
  return logger;
}

function resolveClock(context: string, clock: Clock | undefined): Clock {
  if (clock === undefined) return systemClock;
  const methods = ["now", "setTimeout", "clearTimeout"] as const;
  if (typeof clock !== "object" || clock === null || methods.some((m) => typeof clock[m] !== "function")) {
    throw new TypeError(
      `${context}: "clock" must have now, setTimeout and clearTimeout methods, received ${describe(clock)}`,
    );
  }
  return clock;
}

/** @internal A short, safe rendering of a received value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}
