// A child process that a test or a benchmark starts: its output kept and watched, every wait bounded, a kill
// for cleanup. The fixtures, the example app's instances and the benchmark's servers report what they do as
// one JSON object a line on stdout; other output is kept as text.
import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:os";

/** One line of stdout: the JSON object it held, or `{ event: "text", line }`. */
export type Line = Record<string, unknown>;

/** How the process ended, and when (`performance.now()` of this process). */
export interface Exit {
  code: number | null;
  signal: string | null;
  at: number;
}

export interface ProcOptions {
  cwd?: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Leave stdin open as a pipe (`proc.child.stdin`). */
  stdin?: boolean;
  /**
   * Run it under a bash that only waits for it and prints the wall-clock time it was reaped: an idle
   * observer, for exit times. This process may be busy with thousands of sockets the exit just closed (10,000
   * in the benchmark's scale measurement), and would see the exit late (measured: up to 90 ms).
   */
  reaper?: boolean;
}

const REAPER = `"$@" & pid=$!; echo "{\\"pid\\":$pid}"; wait "$pid"; code=$?; ` +
  `echo "{\\"reaped\\":$EPOCHREALTIME,\\"code\\":$code}"; exit "$code"`;

export class Proc {
  /** The process started (with `reaper`, the bash; signals go to the program through `kill()`). */
  readonly child: ChildProcess;
  /** Every line of stdout, in order. */
  readonly events: Line[] = [];
  /** stdout and stderr as they arrived. */
  output = "";
  stderr = "";
  readonly exited: Promise<Exit>;
  #waiters = new Set<() => void>();
  readonly #reaper: boolean;

  constructor(command: string, args: string[], options: ProcOptions = {}) {
    this.#reaper = options.reaper ?? false;
    const [file, argv] = this.#reaper
      ? ["bash", ["-c", REAPER, "reaper", command, ...args]]
      : [command, args];
    this.child = spawn(file, argv, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
    });
    let partial = "";
    this.child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      this.output += text;
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      for (const line of lines) if (line.trim()) this.events.push(parse(line));
      this.#wake();
    });
    this.child.stderr!.setEncoding("utf8").on("data", (text: string) => {
      this.output += text;
      this.stderr += text;
      this.#wake();
    });
    // Under the reaper the exit is its last line, which only a closed stdout guarantees to have arrived.
    this.exited = new Promise((resolve) =>
      this.child.on(this.#reaper ? "close" : "exit", (code, signal) => {
        const reaped = this.events.find((l) => "reaped" in l);
        if (!reaped) resolve({ code, signal, at: performance.now() });
        else {
          const status = reaped.code as number;
          resolve({
            code: status > 128 ? null : status,
            signal: status > 128 ? signalName(status - 128) : null,
            at: (reaped.reaped as number) * 1000 - performance.timeOrigin,
          });
        }
        this.#wake();
      })
    );
  }

  /** The program's own process id (under the reaper, once it has told it). */
  get pid(): number | undefined {
    return this.#reaper ? this.events.find((l) => "pid" in l)?.pid as number | undefined : this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first line matching `match`; fails after `ms`, or when the process exits first. */
  waitFor(match: (line: Line) => boolean, ms: number, what: string): Promise<Line> {
    return this.#until(() => this.events.find(match), ms, what);
  }

  /**
   * Resolves once the output (from `from` on) matches `pattern`; fails after `ms` or when the process exits
   * first. Returns the match and the offset after it, to wait for the next one from there.
   */
  waitForOutput(pattern: RegExp, ms: number, from = 0): Promise<{ match: RegExpExecArray; end: number }> {
    const once = new RegExp(pattern.source, pattern.flags.replace("g", ""));
    return this.#until(
      () => {
        const match = once.exec(this.output.slice(from));
        return match ? { match, end: from + match.index + match[0].length } : undefined;
      },
      ms,
      String(pattern),
    );
  }

  /** Sends `signal` to the program unless it has exited; returns when (`performance.now()`). */
  kill(signal: NodeJS.Signals): number {
    const at = performance.now();
    if (!this.running) return at;
    try {
      // Under the reaper, to the program itself, once its pid is known.
      if (this.#reaper && this.pid !== undefined) process.kill(this.pid, signal);
      else this.child.kill(signal);
    } catch { /* it exited meanwhile */ }
    return at;
  }

  /** Resolves with the exit, or kills the process and fails after `ms` (a hung drain). */
  async exit(ms: number): Promise<Exit> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill("SIGKILL");
        reject(new Error(`pid ${this.pid} did not exit within ${ms} ms${this.#context()}`));
      }, ms);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process unless it has exited (test cleanup); resolves once it has. */
  dispose(): Promise<Exit> {
    this.kill("SIGKILL");
    return this.exited;
  }

  #until<T>(find: () => T | undefined, ms: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      const done = (error?: Error, found?: T) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        if (error) reject(new Error(`${error.message}${this.#context()}`));
        else resolve(found!);
      };
      const check = () => {
        const found = find();
        if (found !== undefined) done(undefined, found);
        else if (!this.running) done(new Error(`the process exited before ${what}`));
      };
      this.#waiters.add(check);
      check();
    });
  }

  #wake(): void {
    for (const wake of this.#waiters) wake();
  }

  #context(): string {
    return `\noutput of pid ${this.pid}:\n${this.output}`;
  }
}

function parse(line: string): Line {
  if (line.startsWith("{")) {
    try {
      return JSON.parse(line);
    } catch { /* text that starts with a brace */ }
  }
  return { event: "text", line };
}

function signalName(number: number): string | null {
  return Object.entries(constants.signals).find(([, n]) => n === number)?.[0] ?? null;
}
