import { type Clock, systemClock } from "../clock.ts";
import { runtimeAdapter } from "../runtimes/_select.ts";
import { SIGNAL_NUMBERS } from "./signal_numbers.ts";
import {
  checkBoolean,
  checkDuration,
  checkOptionKeys,
  describe,
  invalid,
  warnIfSeconds,
} from "./validate.ts";
import type { Logger } from "../types.ts";
import type { ShutdownOptions } from "../shutdown.ts";

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
  return Boolean(runtimeAdapter().env("KUBERNETES_SERVICE_HOST"));
}

/** @internal Validates options and fills in defaults; throws TypeError/RangeError naming the option. */
export function resolveOptions(options: ShutdownOptions = {}): ResolvedOptions {
  const context = "Cannot create shutdown";
  checkOptionKeys(context, options, KNOWN);
  const kubernetes = onKubernetes();
  const timeout = checkDuration(context, "timeout", options.timeout ?? (kubernetes ? 25_000 : 8_000));
  const delay = checkDuration(context, "delay", options.delay ?? (kubernetes ? 5_000 : 0));
  if (delay > 0 && delay >= timeout) {
    // The delay is part of the drain budget: at or above it, nothing would be left to drain in.
    const defaults = !kubernetes
      ? ""
      : [options.timeout === undefined && "timeout", options.delay === undefined && "delay"]
        .filter(Boolean).map((name) => `"${name}" is the Kubernetes default`).join(", ");
    throw invalid(context, "delay", `below "timeout" (${timeout})`, delay, true, defaults);
  }
  const cleanupTimeout = checkDuration(context, "cleanupTimeout", options.cleanupTimeout ?? 2_000);
  const signals = resolveSignals(context, options.signals);
  const exit = checkBoolean(context, "exit", options.exit, signals.length > 0);
  const handleErrors = checkBoolean(context, "handleErrors", options.handleErrors, false);
  const logger = resolveLogger(context, options.logger);
  warnIfSeconds(logger, "createShutdown()", "timeout", options.timeout);
  return {
    timeout,
    delay,
    cleanupTimeout: Math.min(cleanupTimeout, timeout / 2),
    signals,
    exit,
    logger,
    retryAfter: checkDuration(context, "retryAfter", options.retryAfter ?? 1_000),
    handleErrors,
    clock: resolveClock(context, options.clock),
  };
}

function resolveSignals(context: string, signals: ShutdownOptions["signals"]): readonly string[] {
  if (signals === undefined) return runtimeAdapter().defaultSignals();
  if (signals === false) return [];
  if (!Array.isArray(signals)) {
    throw invalid(context, "signals", "an array of signal names or false", signals);
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
    throw invalid(context, "logger", "false or an object with info, warn and error methods", logger);
  }
  return logger;
}

function resolveClock(context: string, clock: Clock | undefined): Clock {
  if (clock === undefined) return systemClock;
  const methods = ["now", "setTimeout", "clearTimeout"] as const;
  if (typeof clock !== "object" || clock === null || methods.some((m) => typeof clock[m] !== "function")) {
    throw invalid(context, "clock", "an object with now, setTimeout and clearTimeout methods", clock);
  }
  return clock;
}
