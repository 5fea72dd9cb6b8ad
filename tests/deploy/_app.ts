// examples/app.ts started as an instance behind a load balancer or supervisor, on each runtime column of the
// end-to-end suite. A column that runs the built package (Node 22) runs the same file compiled to JS,
// importing dist/ as its other tests do.
import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Runtime } from "../support/runtimes.ts";
import { Proc } from "../support/process.ts";

export const root: string = fileURLToPath(new URL("../..", import.meta.url));
export const APP: string = join(root, "examples/app.ts");

/** The command line that runs examples/app.ts on `runtime`; `dir` holds the compiled copy a built column runs. */
export async function appCommand(runtime: Runtime, dir: string): Promise<string[]> {
  if (!runtime.built) return [runtime.command, ...runtime.args, APP];
  const { default: ts } = await import("typescript");
  const source = await readFile(APP, "utf8");
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText.replace(`"../mod.ts"`, JSON.stringify(pathToFileURL(join(root, "dist/mod.js")).href));
  const file = join(dir, "app.mjs");
  writeFileSync(file, js);
  return [runtime.command, ...runtime.args, file];
}

/** Starts one instance on `port` and resolves once it listens. */
export async function startApp(
  command: string[],
  env: { PORT: number; DRAIN_DELAY?: number; DRAIN_TIMEOUT?: number; [name: string]: unknown },
): Promise<Proc> {
  const app = new Proc(command[0], command.slice(1), {
    cwd: root,
    env: {
      HOST: "127.0.0.1",
      KUBERNETES_SERVICE_HOST: "", // the test pins its own settings, also on a CI host that runs on Kubernetes
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
    },
  });
  try {
    await app.waitForOutput(/listening on http:\/\/[^ ]+:(\d+)/, 20_000);
  } catch (error) {
    app.dispose();
    throw error;
  }
  return app;
}
