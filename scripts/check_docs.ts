// The documentation JSR will show: `deno doc --lint` of every entry point in deno.json must be clean (every export and
// member documented, no private type in a public signature), and every export (function, class, constant,
// interface, type) must have an `@example` with a title (`@example Draining on SIGTERM`), which
// `deno test --doc` type-checks and runs unless it is marked `ignore`.
// Usage: node scripts/check_docs.ts
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { entryPoints } from "./check_readme.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = join(root, "node_modules/.bin/deno");
const entries = Object.values(entryPoints());
const run = (args: string[]) =>
  spawnSync(deno, args, {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: "1" },
  });

// Deno warns that it cannot follow @types/node's own references (the `node:` types src/ uses); that is
// about @types/node, not this package, and would bury the real findings.
const noise = /^Warning Failed resolving types\.[^\n]*\n\s+at [^\n]*\n?/gm;
const problems: string[] = [];

const lint = run(["doc", "--lint", ...entries]);
if (lint.status !== 0) {
  problems.push(`deno doc --lint ${entries.join(" ")}:\n${lint.stderr.replace(noise, "")}`);
}

const json = run(["doc", "--json", ...entries]);
if (json.status !== 0) problems.push(`deno doc --json failed:\n${json.stderr.replace(noise, "")}`);
else {
  type Declaration = { kind: string; jsDoc?: { tags?: { kind: string; doc?: string }[] } };
  const doc = JSON.parse(json.stdout) as {
    nodes: Record<string, { symbols: { name: string; declarations: Declaration[] }[] }>;
  };
  for (const [url, { symbols }] of Object.entries(doc.nodes)) {
    for (const symbol of symbols) {
      const examples = symbol.declarations.flatMap((d) => d.jsDoc?.tags ?? []).filter((t) =>
        t.kind === "example"
      );
      const titled = examples.some((e) => /^\s*[^\s`]/.test(e.doc ?? ""));
      if (!titled) {
        problems.push(
          `${symbol.name} (${url.replace(/^.*\/(src\/)?/, "$1")}): add an @example with a title, e.g. ` +
            `"@example Doing X" followed by a code block`,
        );
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`check_docs: failed:\n  - ${problems.join("\n  - ")}`);
  process.exit(1);
}
console.log(`check_docs: ok, deno doc --lint clean and every export has a titled @example`);
