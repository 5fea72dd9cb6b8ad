// The README's Quick start runs as pasted: each block marked `<!-- runnable: <runtime> [path] -->` is written
// into a fresh project outside the repository (Node: CommonJS, as `npm init -y` makes it; the package linked
// into node_modules as an install would put it, built; Deno: an import map to the source), started on its
// runtime, asked for `path` (default `/`), stopped with a real SIGTERM, and must exit 0 after its report. The
// only change made to a block: `port: 8000` becomes `port: 0`, so that parallel runs do not collide.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Proc } from "../support/process.ts";
import { root, type Runtime, RUNTIMES } from "../support/runtimes.ts";

interface Block {
  runtime: string;
  path: string;
  code: string;
  line: number;
}

const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks: Block[] = [...readme.matchAll(/<!-- runnable: (\w+)(?: (\S+))? -->\s*```\w+\n([\s\S]*?)\n```/g)]
  .map((m) => ({
    runtime: m[1],
    path: m[2] ?? "/",
    code: m[3],
    line: readme.slice(0, m.index).split("\n").length,
  }));

const dirs: string[] = [];
const procs: Proc[] = [];
after(async () => {
  await Promise.all(procs.map((proc) => proc.dispose()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh project in the system's temporary directory; `link` puts the package in node_modules. */
function project(files: Record<string, string>, link: "symlink" | "copy" | "none"): string {
  const dir = mkdtempSync(join(tmpdir(), "gd-readme-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  if (link === "none") return dir;
  mkdirSync(join(dir, "node_modules"));
  const target = join(dir, "node_modules/graceful-drain");
  if (link === "symlink") {
    symlinkSync(root, target, "dir");
    symlinkSync(join(root, "node_modules/hono"), join(dir, "node_modules/hono"), "dir");
  } else {
    // A copy, not a link: from its real path Node cannot find the repository's own @hono/node-server.
    mkdirSync(target);
    cpSync(join(root, "dist"), join(target, "dist"), { recursive: true });
    cpSync(join(root, "package.json"), join(target, "package.json"));
  }
  return dir;
}

/** `npm init -y` (npm 11): a CommonJS project. */
const NPM_INIT = JSON.stringify({ name: "app", version: "1.0.0", type: "commonjs", main: "index.js" });

function start(block: Block, runtime: Runtime, link: "symlink" | "copy" = "symlink"): Proc {
  const code = block.code.replace(/port: 8000/g, "port: 0");
  let proc: Proc;
  if (block.runtime === "node") {
    const cwd = project({ "package.json": NPM_INIT, "index.js": code }, link);
    proc = new Proc(runtime.command, ["index.js"], { cwd });
  } else if (block.runtime === "bun") {
    const cwd = project({ "package.json": JSON.stringify({ name: "app" }), "index.ts": code }, link);
    proc = new Proc(runtime.command, ["index.ts"], { cwd });
  } else {
    const imports = {
      "@graceful/drain": join(root, "mod.ts"),
      "@graceful/drain/hono": join(root, "src/hono/mod.ts"),
    };
    const cwd = project({ "deno.json": JSON.stringify({ imports }), "main.ts": code }, "none");
    proc = new Proc(runtime.command, ["run", "--allow-net", "--allow-env", "main.ts"], { cwd });
  }
  procs.push(proc);
  return proc;
}

test("the README has a runnable Quick start block for each runtime", () => {
  assert.deepEqual([...new Set(blocks.map((b) => b.runtime))].sort(), ["bun", "deno", "node"]);
});

for (const block of blocks) {
  // Node blocks run on every Node of the matrix: CommonJS require() of the package on each.
  const runtimes = RUNTIMES.filter((r) =>
    r.name === block.runtime || r.name.replace(/\d+$/, "") === block.runtime
  );
  for (const runtime of runtimes) {
    describe(`README.md line ${block.line} on ${runtime.name}`, { timeout: 60_000 }, () => {
      test(`runs as pasted: serves ${block.path}, drains on SIGTERM, exits 0`, async () => {
        const proc = start(block, runtime);
        const { match } = await proc.waitForOutput(/listening on https?:\/\/\S+:(\d+)/, 20_000);
        const response = await fetch(`http://127.0.0.1:${match[1]}${block.path}`);
        const body = await response.text();
        assert.equal(response.status, 200, body);
        proc.kill("SIGTERM");
        const exit = await proc.exit(10_000);
        assert.equal(exit.code, 0, proc.output + proc.stderr);
        assert.match(proc.output, /stopped: exit code 0/);
        if (block.code.includes("database closed")) assert.match(proc.output, /database closed/);
      });
    });
  }
}

const nodeBlock = blocks.find((b) => b.runtime === "node");
const node = RUNTIMES.find((r) => r.name === "node24");
test("without @hono/node-server, serve() on Node says which package to install", {
  skip: !node || !nodeBlock,
}, async () => {
  const proc = start(nodeBlock!, node!, "copy");
  const exit = await proc.exit(20_000);
  assert.notEqual(exit.code, 0);
  assert.match(proc.stderr, /serve\(\) on Node needs the package @hono\/node-server/);
  assert.match(proc.stderr, /npm install @hono\/node-server/);
  assert.doesNotMatch(proc.stderr, /^Error \[ERR_MODULE_NOT_FOUND\]/m);
});
