// `graceful-drain verify`: start the command, wait for its port, drive load, send the signal with the load
// still going, wait for the exit (or kill at the timeout), and collect every figure.
import { UsageError, type VerifyOptions } from "./args.ts";
import { accepts, Command, type CommandExit, freePort } from "./command.ts";
import { type ClassTally, type ClientClass, Load } from "./load.ts";
import { ReadinessProbe } from "./readiness.ts";

/** Every figure of one verification; times are milliseconds from the signal (negative before it). */
export interface VerifyResult {
  command: string[];
  host: string;
  port: number;
  signal: string;
  durationMs: number;
  timeoutMs: number;
  /** Per class of clients; a class that did not run (no `--slow-path`, …) is left out. */
  clients: Partial<Record<ClientClass, ClassTally>>;
  totals: { sent: number; completed: number; refused: number; lost: number; servedAfterSignal: number };
  /** The first refusal (503 or refused connection) after the signal. */
  intakeStoppedMs: number | null;
  /** Each change of the readiness answer, with `--ready-path`. */
  readiness: { path: string; periodMs: number; changes: { ms: number; state: string }[] } | null;
  exit: {
    code: number | null;
    signal: string | null;
    /** From the signal to the exit; from the start of the load when the command exited before the signal. */
    afterMs: number;
    /** SIGKILLed after `timeoutMs`. */
    killed: boolean;
    /** It exited on its own before the signal was sent. */
    beforeSignal: boolean;
  };
  /** Nothing lost, and the command exited within the timeout after the signal. */
  ok: boolean;
}

/** The hooks `verify()` reports through. */
export interface VerifyIo {
  /** What the command writes on stdout and stderr. */
  output(chunk: Uint8Array): void;
  /** Progress, one line at a time. */
  progress(line: string): void;
  /** Called with the command once started, so that the caller can kill it if it is itself interrupted. */
  started?(command: Command): void;
}

/** How long requests in flight at the exit may still take to settle: the kernel ends them at once. */
const SETTLE_MS = 2_000;
const PROBE_PERIOD_MS = 20;

/**
 * Runs one verification (see the README's "Prove it on your app").
 * @param options The parsed command line.
 * @param io Where the command's output and the progress go.
 * @returns Every figure.
 * @throws {UsageError} When `--port` already accepts connections before the command starts.
 * @throws {AppFailure} When the command cannot start, exits before listening, or never listens.
 *
 * @example Verifying a Node server that drains
 * ```ts
 * import assert from "node:assert/strict";
 * import { verify } from "./verify.ts";
 *
 * const app = `const s = require("node:http").createServer((q, r) => r.end("ok")).listen(process.env.PORT);
 *   process.on("SIGTERM", () => { s.close(); s.closeAllConnections(); });`;
 * const result = await verify(
 *   { command: ["node", "-e", app], host: "127.0.0.1", signal: "SIGTERM", duration: 300, timeout: 5_000,
 *     startupTimeout: 10_000, path: "/", keepAliveClients: 0, oneShotClients: 1 },
 *   { output() {}, progress() {} },
 * );
 * assert.ok(result.totals.completed > 0);
 * assert.equal(result.exit.killed, false);
 * ```
 */
export async function verify(options: VerifyOptions, io: VerifyIo): Promise<VerifyResult> {
  const { host, signal, duration, timeout } = options;
  if (options.port !== undefined && await accepts(host, options.port)) {
    throw new UsageError(
      `${host}:${options.port} accepts connections before the command started: ` +
        `another process listens there (--port)`,
    );
  }
  const port = options.port ?? await freePort(host);
  const [file, ...args] = options.command;
  const command = Command.start(file, args, { PORT: String(port) }, io.output);
  io.started?.(command);
  try {
    await command.listening(host, port, options.startupTimeout);
    io.progress(`listening on ${host}:${port} (pid ${command.pid}); driving load for ${duration} ms`);
    const load = new Load({ ...options, host, port });
    const probe = options.readyPath
      ? new ReadinessProbe(host, port, options.readyPath, PROBE_PERIOD_MS)
      : null;
    const startedAt = performance.now();
    load.start();
    probe?.start();
    const early = await within(command.exited, duration);
    let killed = false;
    let signalAt = startedAt;
    if (!early) {
      io.progress(`sending ${signal}; the load goes on until the command exits (at most ${timeout} ms)`);
      load.markSignal();
      signalAt = load.signalAt!;
      command.kill(signal);
      if (!await within(command.exited, timeout)) {
        killed = true;
        io.progress(`no exit ${timeout} ms after ${signal} (--timeout): sending SIGKILL`);
        command.killGroup();
      }
    }
    const exit: CommandExit = await command.exited;
    const tallies = await load.stop(SETTLE_MS);
    await probe?.stop();
    return result(options, port, tallies, load.intakeStoppedAt, probe, exit, signalAt, killed, !!early);
  } finally {
    // Whatever the command left behind goes; the command itself is reaped here (SIGKILL ends it at once),
    // not left to whichever process adopts it.
    command.killGroup();
    await within(command.exited, 5_000);
  }
}

/** Resolves with the value when `promise` settles within `ms`, with undefined otherwise. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function result(
  options: VerifyOptions,
  port: number,
  tallies: Record<ClientClass, ClassTally>,
  intakeStoppedAt: number | undefined,
  probe: ReadinessProbe | null,
  exit: CommandExit,
  signalAt: number,
  killed: boolean,
  beforeSignal: boolean,
): VerifyResult {
  const ms = (at: number) => Math.round(at - signalAt);
  const ran: ClientClass[] = [
    ...(options.keepAliveClients > 0 ? ["keepAlive" as const] : []),
    ...(options.oneShotClients > 0 ? ["oneShot" as const] : []),
    ...(options.slowPath ? ["slow" as const] : []),
    ...(options.streamPath ? ["stream" as const] : []),
  ];
  const clients = Object.fromEntries(ran.map((name) => {
    const losses = tallies[name].losses.map((l) => ({ ...l, sentAt: ms(l.sentAt), at: ms(l.at) }));
    return [name, { ...tallies[name], losses }];
  }));
  const sum = (field: "sent" | "completed" | "refused" | "lost" | "servedAfterSignal") =>
    ran.reduce((total, name) => total + tallies[name][field], 0);
  const totals = {
    sent: sum("sent"),
    completed: sum("completed"),
    refused: sum("refused"),
    lost: sum("lost"),
    servedAfterSignal: sum("servedAfterSignal"),
  };
  return {
    command: options.command,
    host: options.host,
    port,
    signal: options.signal,
    durationMs: options.duration,
    timeoutMs: options.timeout,
    clients,
    totals,
    intakeStoppedMs: intakeStoppedAt === undefined ? null : ms(intakeStoppedAt),
    readiness: probe && options.readyPath
      ? {
        path: options.readyPath,
        periodMs: PROBE_PERIOD_MS,
        changes: probe.changes.map((c) => ({ ms: ms(c.at), state: c.state })),
      }
      : null,
    exit: { code: exit.code, signal: exit.signal, afterMs: ms(exit.at), killed, beforeSignal },
    ok: totals.lost === 0 && !killed && !beforeSignal,
  };
}
