import { type Clock, systemClock } from "../clock.ts";
import { runtimeAdapter } from "../runtimes/_select.ts";
import type { ProcessManager } from "../runtimes/node/_managers.ts";
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
  spread: number;
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
  "spread",
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
  const manager = runtimeAdapter().processManager?.();
  const timeout = fitTimeout(
    checkDuration(context, "timeout", options.timeout ?? (kubernetes ? 25_000 : 8_000)),
    options.timeout !== undefined,
    manager,
  );
  const delay = checkDuration(context, "delay", options.delay ?? defaultDelay(kubernetes, manager));
  if (delay > 0 && delay >= timeout.ms) {
    // The delay is part of the drain budget: at or above it, nothing would be left to drain in.
    const defaults = !kubernetes
      ? ""
      : [options.timeout === undefined && "timeout", options.delay === undefined && "delay"]
        .filter(Boolean).map((name) => `"${name}" is the Kubernetes default`).join(", ");
    throw invalid(context, "delay", `below "timeout" (${timeout.ms})`, delay, true, defaults);
  }
  const cleanupTimeout = checkDuration(context, "cleanupTimeout", options.cleanupTimeout ?? 2_000);
  const signals = resolveSignals(context, options.signals);
  const exit = checkBoolean(context, "exit", options.exit, signals.length > 0);
  const handleErrors = checkBoolean(context, "handleErrors", options.handleErrors, false);
  const logger = resolveLogger(context, options.logger);
  warnAboutKillTimeout(logger, timeout.warning);
  warnIfSeconds(logger, "createShutdown()", "timeout", options.timeout);
  return {
    timeout: timeout.ms,
    delay,
    cleanupTimeout: Math.min(cleanupTimeout, timeout.ms / 2),
    spread: checkDuration(context, "spread", options.spread ?? 0),
    signals,
    exit,
    logger,
    retryAfter: checkDuration(context, "retryAfter", options.retryAfter ?? 1_000),
    handleErrors,
    clock: resolveClock(context, options.clock),
  };
}

/**
 * 5000 ms on Kubernetes (its endpoints learn of the pod's end late); in a node:cluster worker, 250 ms: the
 * listener closes at the trigger, and connections the primary handed over just before are served in it, not
 * refused; under systemd's socket activation 250 ms too: the listener closes at the trigger (new connections
 * wait in the kernel for the next process), and keep-alive clients are sent `Connection: close` in it, so that
 * they reconnect into that queue instead of getting the drain's 503; else 0.
 */
function defaultDelay(kubernetes: boolean, manager: ProcessManager | undefined): number {
  return kubernetes ? 5_000 : manager?.clusterWorker || manager?.listenFds ? 250 : 0;
}

/** @internal What the process exit needs after the deadline, within a process manager's kill timeout (ms). */
export const EXIT_MARGIN = 300;

/**
 * The timeout, fitted inside the process manager's kill timeout when it has one (PM2 SIGKILLs the process
 * `kill_timeout` ms after its signal, 1600 by default): the default is cut to fit, with a warning; one the
 * app gave is kept, with a warning when it does not fit.
 */
function fitTimeout(
  timeout: number,
  given: boolean,
  manager: ProcessManager | undefined,
): { ms: number; warning?: string } {
  const killTimeout = manager?.killTimeout;
  if (killTimeout === undefined || timeout + EXIT_MARGIN <= killTimeout) return { ms: timeout };
  const fitted = Math.max(0, killTimeout - EXIT_MARGIN);
  const settings = `${
    manager!.name
  } kills this process ${killTimeout} ms after its stop signal (kill_timeout)`;
  if (given) {
    return {
      ms: timeout,
      warning:
        `${settings}, before the shutdown's "timeout" (${timeout} ms) is over: what is still in flight ` +
        `then is lost unreported. Set kill_timeout above ${timeout + EXIT_MARGIN} ms in the ecosystem file`,
    };
  }
  return {
    ms: fitted,
    warning:
      `${settings}: the shutdown's "timeout" is cut to ${fitted} ms to fit. For longer requests, set ` +
      `kill_timeout (e.g. 10000) in the ecosystem file`,
  };
}

function warnAboutKillTimeout(logger: Logger, warning: string | undefined): void {
  if (warning) logger.warn(warning, { phase: "running" });
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
