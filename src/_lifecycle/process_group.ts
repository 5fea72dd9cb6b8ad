import type { RuntimeAdapter } from "../runtimes/_adapter.ts";
import type { ResolvedOptions } from "./options.ts";

/**
 * @internal The shutdowns of one process act as one (an app's, a library's, the one `serve()` makes): each
 * signal is listened to once, whoever listens, and the process ends once every shutdown under way has
 * stopped, with the worst exit code.
 */

/** A shutdown of this process, as the group sees it. */
export interface Member {
  onSignal(name: string): void;
}

/** How a stopped shutdown asks the process to end. */
export interface ExitRequest {
  code: number;
  /** At once (a second signal), rather than once the event loop has emptied. */
  now: boolean;
  /** The hard exit's delay if the event loop does not empty (ms): what is left until the deadline. */
  fallbackMs: number;
  /** Called if the hard exit happens: something the app holds kept the process alive. */
  onFallback: () => void;
}

const listeners = new Map<string, { members: Set<Member>; remove: () => void }>();
const underWay = new Set<Member>();
let pending: ExitRequest | undefined;

/** Subscribes `member` to `signals`, listening to each once per process; returns the unsubscribe function. */
export function joinSignals(runtime: RuntimeAdapter, signals: readonly string[], member: Member): () => void {
  for (const name of signals) {
    let listener = listeners.get(name);
    if (!listener) {
      const members = new Set<Member>();
      const remove = runtime.listenSignals([name], () => {
        for (const each of [...members]) each.onSignal(name);
      });
      listeners.set(name, listener = { members, remove });
    }
    listener.members.add(member);
  }
  return () => {
    for (const name of signals) {
      const listener = listeners.get(name);
      if (!listener?.members.delete(member) || listener.members.size > 0) continue;
      listener.remove();
      listeners.delete(name);
    }
  };
}

/** `member` has started to shut down: the process waits for it before it ends. */
export function startShutdown(member: Member): void {
  underWay.add(member);
}

/**
 * `member` has stopped, asking the process to end (`exit`) or not. The process ends once no shutdown is under
 * way any more, with the worst code asked for: once its event loop has emptied (the app's `beforeExit` and
 * `exit` listeners run), or at once after a second signal.
 */
export function stopShutdown(runtime: RuntimeAdapter, member: Member, exit: ExitRequest | undefined): void {
  underWay.delete(member);
  if (exit) {
    pending = !pending ? exit : {
      code: Math.max(pending.code, exit.code),
      now: pending.now || exit.now,
      fallbackMs: Math.min(pending.fallbackMs, exit.fallbackMs),
      onFallback: exit.onFallback,
    };
  }
  if (!pending || underWay.size > 0) return;
  const { code, now, fallbackMs, onFallback } = pending;
  pending = undefined;
  if (now) runtime.exit(code);
  else runtime.exitWhenIdle(code, fallbackMs, onFallback);
}

/** @internal One shutdown's link to its process: its signals and uncaught errors, and the process's end. */
export class ProcessLink implements Member {
  readonly #runtime: RuntimeAdapter;
  readonly #options: Pick<ResolvedOptions, "exit" | "logger">;
  readonly #onSignal: (name: string) => void;
  readonly #remove: Array<() => void>;

  constructor(
    runtime: RuntimeAdapter,
    options: Pick<ResolvedOptions, "signals" | "handleErrors" | "exit" | "logger">,
    on: { signal: (name: string) => void; uncaught: (error: unknown) => void },
  ) {
    this.#runtime = runtime;
    this.#options = options;
    this.#onSignal = on.signal;
    this.#remove = [
      joinSignals(runtime, options.signals, this),
      options.handleErrors ? runtime.listenErrors(on.uncaught) : () => {},
    ];
  }

  onSignal(name: string): void {
    this.#onSignal(name);
  }

  /** The shutdown started: the process waits for it. */
  started(): void {
    startShutdown(this);
  }

  /**
   * The shutdown stopped: stop listening, and end the process (with `exit`) once every shutdown of it has
   * stopped: at once after a second signal, else once its event loop empties, at the latest after
   * `fallbackMs` (what was left until the deadline). `cutConnections`: the drain cut a request, a body or a
   * WebSocket.
   */
  stopped(code: number, secondSignal: boolean, fallbackMs: number, cutConnections: boolean): void {
    for (const remove of this.#remove.splice(0)) remove();
    const { exit, logger } = this.#options;
    // A moment for the loop to empty all the same, even at the deadline. No blame if it does not where a
    // connection the drain cut may still be open (Deno cannot force-close one); elsewhere cut connections
    // are destroyed and a cut task holds no socket: a loop still held is the app's, and the warning says so.
    const excused = cutConnections && this.#runtime.keepsCutConnections === true;
    stopShutdown(
      this.#runtime,
      this,
      !exit ? undefined : {
        code,
        now: secondSignal,
        fallbackMs: Math.max(EXIT_GRACE, fallbackMs),
        onFallback: () => excused || logger.warn(STILL_HELD, { phase: "stopped" }),
      },
    );
  }
}

/** The least time (ms) given to the event loop to empty once stopped, even past the deadline. */
const EXIT_GRACE = 100;

const STILL_HELD =
  "exiting at the deadline: the event loop did not empty after the shutdown (a timer, socket " +
  "or pool the app still holds)";
