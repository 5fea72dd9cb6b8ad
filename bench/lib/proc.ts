// Starting the benchmark's child processes: each runtime's binary from node_modules/.bin, called directly
// (npm/npx may not forward signals), and the CPU time a child has used, read from /proc.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { constants } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const bin = (name: string) => join(root, "node_modules/.bin", name);

export interface Runtime {
  name: "deno" | "bun" | "node24";
  command: string;
  /** Arguments before the script; `gc` adds what exposes a forced garbage collection. */
  args(gc?: boolean): string[];
}

export const RUNTIMES: Runtime[] = [
  {
    name: "deno",
    command: bin("deno"),
    args: (gc) => ["run", "-A", "--quiet", ...(gc ? ["--v8-flags=--expose-gc"] : [])],
  },
  { name: "bun", command: bin("bun"), args: () => [] },
  { name: "node24", command: bin("node"), args: (gc) => (gc ? ["--expose-gc"] : []) },
];

// The child runs under a bash that only waits for it and prints the wall-clock time it was reaped: an idle
// observer. This process may be busy with thousands of sockets the child's exit just closed (10,000 in the
// scale measurement), and would see the exit late (measured: up to 90 ms after the reaping).
const REAPER = `"$@" & pid=$!; echo "{\\"pid\\":$pid}"; wait "$pid"; code=$?; ` +
  `echo "{\\"reaped\\":$EPOCHREALTIME,\\"code\\":$code}"; exit "$code"`;

/** A child process that prints one JSON line per event on stdout. */
export class Child {
  /** The reaper (see REAPER); signals go to the child itself, through `signal()`. */
  readonly process: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  readonly exited: Promise<{ code: number | null; signal: string | null; at: number }>;
  stderr = "";
  #wake = new Set<() => void>();

  constructor(
    runtime: Runtime,
    script: string,
    env: Record<string, string>,
    argv: string[] = [],
    gc = false,
  ) {
    const command = [runtime.command, ...runtime.args(gc), join(root, script), ...argv];
    this.process = spawn("bash", ["-c", REAPER, "reaper", ...command], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env, KUBERNETES_SERVICE_HOST: "" },
    });
    let partial = "";
    this.process.stdout!.setEncoding("utf8").on("data", (text: string) => {
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      for (const line of lines) if (line.startsWith("{")) this.lines.push(JSON.parse(line));
      for (const wake of this.#wake) wake();
    });
    this.process.stderr!.setEncoding("utf8").on("data", (text: string) => void (this.stderr += text));
    this.exited = new Promise((resolve) =>
      this.process.on("close", (code, signal) => {
        // The reaper's line, in this process's clock; without it (the reaper was killed), the time seen here.
        const reaped = this.lines.find((l) => "reaped" in l);
        const at = reaped ? (reaped.reaped as number) * 1000 - performance.timeOrigin : performance.now();
        const status = reaped ? (reaped.code as number) : code;
        resolve({
          code: status !== null && status > 128 ? null : status,
          signal: status !== null && status > 128 ? signalName(status - 128) : signal,
          at,
        });
        for (const wake of this.#wake) wake();
      })
    );
  }

  /** The first line with `key`, waiting up to `ms`; fails when the child exits first. */
  line(key: string, ms = 30_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no "${key}" within ${ms} ms: ${this.stderr}`)), ms);
      const finish = (error?: Error, line?: Record<string, unknown>) => {
        clearTimeout(timer);
        this.#wake.delete(check);
        if (error) reject(error);
        else resolve(line!);
      };
      const check = () => {
        const found = this.lines.find((l) => key in l);
        if (found) finish(undefined, found);
        else if (this.process.exitCode !== null || this.process.signalCode !== null) {
          finish(new Error(`exited before "${key}": ${this.stderr}`));
        }
      };
      this.#wake.add(check);
      check();
    });
  }

  /** The child's own process id, once the reaper has told it. */
  get pid(): number | undefined {
    return this.lines.find((l) => "pid" in l)?.pid as number | undefined;
  }

  /** Sends `name` to the child (to the reaper until the child's pid is known); a gone child is no error. */
  signal(name: NodeJS.Signals): void {
    try {
      if (this.pid === undefined) this.process.kill(name);
      else process.kill(this.pid, name);
    } catch { /* already exited */ }
  }

  /** User + system CPU seconds of the whole process (every thread), from /proc/<pid>/stat. */
  cpuSeconds(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  }

  /** Resolves with its exit; kills it and fails when it has not exited within `ms` (a hung drain). */
  async exit(ms = 30_000): Promise<{ at: number; code: number | null }> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.signal("SIGKILL");
        reject(new Error(`did not exit within ${ms} ms: ${this.stderr.slice(0, 200)}`));
      }, ms);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends it (SIGKILL) unless it already exited; resolves once it has. */
  kill(): Promise<unknown> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.signal("SIGKILL");
    return this.exited;
  }
}

/** Starts bench/servers/hello.ts in `mode` and resolves once it listens. */
export async function startServer(
  runtime: Runtime,
  mode: string,
  options: Record<string, unknown> = {},
): Promise<{ child: Child; port: number }> {
  const child = new Child(runtime, "bench/servers/hello.ts", {
    BENCH_MODE: mode,
    BENCH_OPTIONS: JSON.stringify(options),
  });
  const { port } = await child.line("port");
  return { child, port: port as number };
}

/** Runs an in-process benchmark script to its end and resolves with the JSON line it printed. */
export async function runScript<T>(runtime: Runtime, script: string, argv: string[], gc = false): Promise<T> {
  const child = new Child(runtime, script, {}, argv, gc);
  const [line, exit] = await Promise.all([child.line("result", 600_000), child.exited]);
  if (exit.code !== 0) throw new Error(`${script} on ${runtime.name} exited ${exit.code}: ${child.stderr}`);
  return line.result as T;
}

function signalName(number: number): string | null {
  const found = Object.entries(constants.signals).find(([, n]) => n === number);
  return found ? found[0] : null;
}
