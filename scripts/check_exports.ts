// Fails when deno.json (JSR) and package.json (npm) disagree on the version or the entry points, so that the
// two registries never publish different APIs. JSR serves the source (`./src/hono/mod.ts`); npm serves its build
// (`./dist/src/hono/mod.js`, types `./dist/src/hono/mod.d.ts`, "types" first as TypeScript requires).
// The `graceful-drain` command is the "./cli" entry: package.json's `bin` must point at its build, which must
// start with a `#!/usr/bin/env node` line (npm makes the file executable when it installs the package).
// Usage: node scripts/check_exports.ts [--dist]   (--dist: the built files must also exist)
import { existsSync, readFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";

export type Json = Record<string, unknown>;

/** Reads deno.json or package.json of this repository. */
export function readJson(file: string): Json {
  // deno.json may carry whole-line `//` comments (Deno reads it as JSONC).
  const text = readFileSync(new URL(`../${file}`, import.meta.url), "utf8").replace(/^\s*\/\/.*$/gm, "");
  return JSON.parse(text) as Json;
}

/**
 * Every disagreement between a deno.json and a package.json (parsed), as a sentence; empty when they agree.
 * `built`, when given, tells whether a file of the npm build exists (the `--dist` check); `firstLine`, when
 * given, reads the first line of a built file (the bin's shebang).
 */
export function checkExports(
  deno: Json,
  pkg: Json,
  built?: (file: string) => boolean,
  firstLine?: (file: string) => string,
): string[] {
  const problems: string[] = [];
  for (const field of ["version", "license"]) {
    if (deno[field] !== pkg[field]) {
      problems.push(`"${field}" differs: deno.json has ${deno[field]}, package.json has ${pkg[field]}`);
    }
  }

  const denoExports: Json = typeof deno.exports === "string"
    ? { ".": deno.exports }
    : (deno.exports as Json | undefined) ?? {};
  const pkgExports = (pkg.exports as Json | undefined) ?? {};
  const publishInclude = ((deno.publish as Json | undefined)?.include as string[] | undefined) ?? [];

  for (const key of Object.keys(pkgExports)) {
    if (!(key in denoExports)) problems.push(`package.json exports "${key}", deno.json does not`);
  }
  for (const [key, target] of Object.entries(denoExports)) {
    const source = String(target);
    const match = /^\.\/(.+)\.ts$/.exec(source);
    if (!match) {
      problems.push(`deno.json exports "${key}" → ${source}: expected a ./*.ts file`);
      continue;
    }
    const published = publishInclude.some((entry) =>
      source.slice(2) === entry || source.slice(2).startsWith(entry)
    );
    if (!published) {
      problems.push(`deno.json exports "${key}" → ${source}, which "publish.include" leaves out`);
    }
    const js = `./dist/${match[1]}.js`;
    const dts = `./dist/${match[1]}.d.ts`;
    const entry = pkgExports[key];
    if (entry === undefined) {
      problems.push(
        `deno.json exports "${key}", package.json does not (expected types ${dts}, default ${js})`,
      );
      continue;
    }
    if (typeof entry !== "object" || entry === null) {
      problems.push(`package.json exports "${key}" must be { "types": "${dts}", "default": "${js}" }`);
      continue;
    }
    const conditions = Object.entries(entry as Json);
    if (conditions[0]?.[0] !== "types" || conditions[0][1] !== dts) {
      problems.push(`package.json exports "${key}": the first condition must be "types": "${dts}"`);
    }
    for (const [condition, file] of conditions.slice(1)) {
      if (file !== js) {
        problems.push(`package.json exports "${key}"."${condition}" is ${file}, expected ${js}`);
      }
    }
    if (conditions.length < 2) problems.push(`package.json exports "${key}" has no "default": "${js}"`);
    if (built) {
      for (const file of [js, dts]) {
        if (!built(file)) problems.push(`${file} was not built`);
      }
    }
  }
  if (denoExports["./cli"] !== undefined) {
    problems.push(...checkBin(String(denoExports["./cli"]), pkg, firstLine));
  }
  return problems;
}

/** The `graceful-drain` bin against the "./cli" entry `source` (e.g. `./src/cli.ts`). */
function checkBin(source: string, pkg: Json, firstLine?: (file: string) => string): string[] {
  const js = `dist/${source.replace(/^\.\//, "").replace(/\.ts$/, ".js")}`;
  const bin = (pkg.bin as Json | undefined)?.["graceful-drain"];
  if (bin !== js) {
    return [
      `package.json "bin" must be { "graceful-drain": "${js}" } (the build of "./cli"), has ${
        JSON.stringify(bin)
      }`,
    ];
  }
  const line = firstLine?.(`./${js}`);
  if (line !== undefined && line !== "#!/usr/bin/env node") {
    return [`./${js} must start with "#!/usr/bin/env node" (the bin), starts with ${JSON.stringify(line)}`];
  }
  return [];
}

// Run as a script (not when a test imports checkExports).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();

function main(): void {
  const deno = readJson("deno.json");
  const pkg = readJson("package.json");
  const checkDist = process.argv.includes("--dist");
  const path = (file: string) => new URL(`../${file}`, import.meta.url);
  const problems = checkExports(
    deno,
    pkg,
    checkDist ? (file) => existsSync(path(file)) : undefined,
    checkDist
      ? (file) => existsSync(path(file)) ? readFileSync(path(file), "utf8").split("\n")[0] : ""
      : undefined,
  );
  if (problems.length > 0) {
    console.error(`check_exports: failed:\n  - ${problems.join("\n  - ")}`);
    process.exit(1);
  }
  const pairs = Object.entries(deno.exports as Json).map(([key, target]) => `${key} → ${target}`).join(", ");
  const bin = Object.entries((pkg.bin as Json | undefined) ?? {}).map(([name, file]) =>
    `, bin ${name} → ${file}`
  );
  console.log(
    `check_exports: ok, version ${pkg.version}: ${pairs}${bin.join("")}${checkDist ? " (dist/ built)" : ""}`,
  );
}
