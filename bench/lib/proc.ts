// Starting the benchmark's child processes on the runtimes of the matrix (tests/support/), each under the
// reaper that times its exit, and the CPU time a child has used, read from /proc.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Proc } from "../../tests/support/process.ts";
import { ALL_RUNTIMES, root, type Runtime } from "../../tests/support/runtimes.ts";
import { pinned, SERVER_CORE } from "./cores.ts";

export { root, type Runtime };

/** The runtimes a benchmark runs on unless `--only` names others: those of the README's figures. */
export const RUNTIMES: Runtime[] = ALL_RUNTIMES.filter((r) => ["deno", "bun", "node24"].includes(r.name));
/** Every runtime that runs the TypeScript source, for `--only`. */
export const SOURCE_RUNTIMES: Runtime[] = ALL_RUNTIMES.filter((r) => !r.built);

/** Starts `script` on `runtime` under the reaper; `gc` exposes a forced garbage collection. */
export function startChild(
  runtime: Runtime,
  script: string,
  env: Record<string, string>,
  argv: string[] = [],
  gc = false,
): Proc {
  return new Proc(
    ...pinned(SERVER_CORE, runtime.command, [
      ...runtime.args,
      ...(gc ? runtime.gcArgs : []),
      join(root, script),
      ...argv,
    ]),
    {
      cwd: root,
      env: { ...env, KUBERNETES_SERVICE_HOST: "" },
      reaper: true,
    },
  );
}

/** The first line of `child` with `key`, waiting up to `ms`; fails when the child exits first. */
export function line(child: Proc, key: string, ms = 30_000): Promise<Record<string, unknown>> {
  return child.waitFor((l) => key in l, ms, `"${key}"`);
}

/** User + system CPU seconds of the whole process (every thread), from /proc/<pid>/stat. */
export function cpuSeconds(child: Proc): number {
  const stat = readFileSync(`/proc/${child.pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * Starts bench/servers/hello.ts in `mode` and resolves once it listens. `env`: more of its variables;
 * `gc`: exposes a forced garbage collection.
 */
export async function startServer(
  runtime: Runtime,
  mode: string,
  options: Record<string, unknown> = {},
  env: Record<string, string> = {},
  gc = false,
): Promise<{ child: Proc; port: number }> {
  const child = startChild(
    runtime,
    "bench/servers/hello.ts",
    {
      ...env,
      BENCH_MODE: mode,
      BENCH_OPTIONS: JSON.stringify(options),
    },
    [],
    gc,
  );
  const { port } = await line(child, "port");
  return { child, port: port as number };
}

/** Runs an in-process benchmark script to its end and resolves with the JSON line it printed. */
export async function runScript<T>(runtime: Runtime, script: string, argv: string[], gc = false): Promise<T> {
  const child = startChild(runtime, script, {}, argv, gc);
  const [result, exit] = await Promise.all([line(child, "result", 600_000), child.exited]);
  if (exit.code !== 0) throw new Error(`${script} on ${runtime.name} exited ${exit.code}: ${child.stderr}`);
  return result.result as T;
}
