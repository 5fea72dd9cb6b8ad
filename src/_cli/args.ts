// The command line of `graceful-drain verify`: every option, its default, and a message naming what is wrong.
import { constants } from "node:os";

/** What `graceful-drain verify` was asked to do. */
export interface VerifyOptions {
  /** The command to start and its arguments. */
  command: string[];
  /** The port the command listens on; a free one (passed as `PORT`) when not given. */
  port?: number;
  /** @default {"127.0.0.1"} */
  host: string;
  /** @default {"SIGTERM"} */
  signal: NodeJS.Signals;
  /** How long to drive the load before the signal. @default {2000} */
  duration: number;
  /** How long the command may take to exit after the signal before it is killed. @default {30000} */
  timeout: number;
  /** How long the command may take to accept connections. @default {30000} */
  startupTimeout: number;
  /** @default {"/"} */
  path: string;
  slowPath?: string;
  streamPath?: string;
  readyPath?: string;
  /** @default {16} */
  keepAliveClients: number;
  /** @default {4} */
  oneShotClients: number;
  /** Where to write every figure as JSON. */
  json?: string;
}

/** The command line was wrong: exit status 2, with this message. */
export class UsageError extends Error {
  /** @param message What is wrong, for the user. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The help text. */
export const USAGE: string = `Usage: graceful-drain verify [options] -- <command> [args...]

Starts the command with PORT set to a free port, drives HTTP load at it, sends it a signal while the load
goes on, and reports every request that was lost. Exit status: 0 when nothing was lost and the command
exited within --timeout, 1 otherwise, 2 for a usage error.

Options (durations in milliseconds):
  --port N                  the port the command listens on (default: a free port, passed as PORT)
  --host HOST               the address the command listens on (default: 127.0.0.1)
  --signal NAME             the signal to send (default: SIGTERM)
  --duration MS             load before the signal (default: 2000)
  --timeout MS              time to exit after the signal, then SIGKILL (default: 30000)
  --startup-timeout MS      time to accept connections (default: 30000)
  --path PATH               what the load requests (default: /)
  --slow-path PATH          also keep one slow request in flight (default: none)
  --stream-path PATH        also keep one streamed response in flight (default: none)
  --ready-path PATH         poll this readiness path and report when it turned 503 (default: none)
  --keep-alive-clients N    clients reusing their connection (default: 16)
  --one-shot-clients N      clients opening a connection per request (default: 4)
  --json FILE               write every figure to FILE as JSON
  -h, --help                show this help`;

const NUMBERS = {
  "--port": "port",
  "--duration": "duration",
  "--timeout": "timeout",
  "--startup-timeout": "startupTimeout",
  "--keep-alive-clients": "keepAliveClients",
  "--one-shot-clients": "oneShotClients",
} as const;
const PATHS = {
  "--path": "path",
  "--slow-path": "slowPath",
  "--stream-path": "streamPath",
  "--ready-path": "readyPath",
} as const;

/**
 * Parses the arguments after `verify`; everything from `--` (or from the first argument that is not an
 * option) on is the command.
 * @param args E.g. `["--duration", "500", "--", "node", "app.js"]`.
 * @returns The options, defaults filled in; `"help"` for `-h`/`--help`.
 * @throws {UsageError} Naming the option and the value that is wrong, or saying that the command is missing.
 *
 * @example Parsing a command line
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseVerifyArgs, UsageError } from "./args.ts";
 *
 * const options = parseVerifyArgs(["--duration=500", "--ready-path", "/ready", "--", "node", "app.js"]);
 * assert.ok(options !== "help");
 * assert.deepEqual(options.command, ["node", "app.js"]);
 * assert.equal(options.duration, 500);
 * assert.equal(options.signal, "SIGTERM");
 * assert.throws(() => parseVerifyArgs(["--durations", "5", "--", "x"]), UsageError);
 * assert.throws(() => parseVerifyArgs([]), /no command/);
 * ```
 */
export function parseVerifyArgs(args: string[]): VerifyOptions | "help" {
  const options: VerifyOptions = {
    command: [],
    host: "127.0.0.1",
    signal: "SIGTERM",
    duration: 2000,
    timeout: 30_000,
    startupTimeout: 30_000,
    path: "/",
    keepAliveClients: 16,
    oneShotClients: 4,
  };
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      i++;
      break;
    }
    if (arg === "-h" || arg === "--help") return "help";
    if (!arg.startsWith("-")) break;
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const known = name in NUMBERS || name in PATHS || ["--host", "--signal", "--json"].includes(name);
    if (!known) throw new UsageError(`unknown option ${name}`);
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    if (name in NUMBERS) {
      const number = Number(value);
      const isPort = name === "--port";
      if (!/^\d+$/.test(value) || (isPort && (number < 1 || number > 65_535))) {
        const range = isPort ? "a port number (1-65535)" : "a non-negative whole number";
        throw new UsageError(`${name} must be ${range}, received ${JSON.stringify(value)}`);
      }
      options[NUMBERS[name as keyof typeof NUMBERS]] = number;
    } else if (name in PATHS) {
      if (!value.startsWith("/")) {
        throw new UsageError(`${name} must be a path starting with "/", received ${JSON.stringify(value)}`);
      }
      options[PATHS[name as keyof typeof PATHS]] = value;
    } else if (name === "--signal") {
      const signal = value.toUpperCase().replace(/^(?!SIG)/, "SIG");
      if (!(signal in constants.signals)) {
        throw new UsageError(
          `--signal must be a signal name such as SIGTERM, received ${JSON.stringify(value)}`,
        );
      }
      options.signal = signal as NodeJS.Signals;
    } else if (name === "--host") {
      if (value === "") throw new UsageError(`--host must be an address, received ""`);
      options.host = value;
    } else options.json = value;
  }
  options.command = args.slice(i);
  if (options.command.length === 0) {
    throw new UsageError(
      "no command to verify: put it after --, e.g. graceful-drain verify -- node server.js",
    );
  }
  if (options.keepAliveClients + options.oneShotClients === 0) {
    throw new UsageError("--keep-alive-clients and --one-shot-clients are both 0: there would be no load");
  }
  return options;
}
