// The one test command (`npm test`, i.e. `node scripts/test.ts` on Node 24): formatting, lint, the export
// maps, type checks, the unit suite on Deno, Bun, Node 24, Node 26 and (built) Node 22, then the end-to-end suite.
// Every step runs even when an earlier one failed, so one run shows everything that is wrong; the exit code is
// 1 if any step failed. The last line is `N passed, N failed` over all runners.
//
// Usage: node scripts/test.ts [--only lint|unit|e2e|doc|package|deploy|bench[,...]]
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { runtime } from "../tests/support/runtimes.ts";

type Group = "lint" | "unit" | "doc" | "e2e" | "package" | "deploy" | "bench";
type Column = "deno" | "bun" | "node22" | "node24" | "node26" | "doc" | "e2e" | "pkg" | "deploy";
interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}
interface Step {
  group: Group;
  cmd: string;
  args: string[];
  /** Seconds; then the step's whole process group is killed and the step counts as failed. */
  timeout: number;
  column?: Column;
  parse?: (output: string) => Counts | undefined;
  /** Why the step does not run, when it does not. */
  skip?: string;
  before?: () => void;
}
interface Result {
  step: Step;
  ok: boolean;
  seconds: number;
  counts?: Counts;
  note?: string;
}

const root = fileURLToPath(new URL("..", import.meta.url));
process.chdir(root);

// The runtimes npm installed (the suites' table, tests/support/runtimes.ts), called directly: never through npm/npx, which do not
// forward signals.
const bin = (name: string): string => join("node_modules", ".bin", name);
const tsc = bin("tsc");
const [deno, bun, node22, node24, node26] = (["deno", "bun", "node22", "node24", "node26"] as const).map((
  name,
) => relative(root, runtime(name).command));
/** Each Node binary as the step lines show it, with its version: three of them run the same steps. */
const labels = new Map(
  [node22, node24, node26].map((node) => [
    node,
    `${node} (${spawnSync(node, ["--version"], { encoding: "utf8" }).stdout?.trim()})`,
  ]),
);

const onlyArg = process.argv.indexOf("--only");
const only = onlyArg === -1 ? undefined : new Set(process.argv[onlyArg + 1]?.split(","));

// Unit tests are tests/*.test.ts, not recursive: tests/e2e/ is the end-to-end suite.
const testFiles = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir).filter((f) => f.endsWith(".test.ts")).sort().map((f) => `${dir}/${f}`)
    : [];
const unit = testFiles("tests");
const e2e = testFiles("tests/e2e");
const consumers = testFiles("tests/consumers");
const deploy = testFiles("tests/deploy");

/** A suite of test files that start processes themselves, run by Node 24's runner one file at a time. */
const suite = (group: Group, column: Column, files: string[], timeout: number, dir: string): Step => ({
  group,
  cmd: node24,
  args: ["--test", "--test-concurrency=1", "--test-reporter=spec", ...files],
  timeout,
  column,
  parse: parseNode,
  skip: files.length === 0 ? `no tests in ${dir}/*.test.ts yet` : undefined,
});
const noUnit = unit.length === 0 ? "no unit tests (tests/*.test.ts) yet" : undefined;
const present = (paths: string[]): string[] => paths.filter((p) => existsSync(p));

const steps: Step[] = [
  { group: "lint", cmd: deno, args: ["fmt", "--check"], timeout: 120 },
  { group: "lint", cmd: deno, args: ["lint"], timeout: 120 },
  { group: "lint", cmd: node24, args: ["scripts/check_exports.ts"], timeout: 60 },
  // The README's API and options tables against the code; the JSDoc JSR shows (`deno doc --lint`, examples).
  { group: "lint", cmd: node24, args: ["scripts/check_readme.ts"], timeout: 120 },
  { group: "lint", cmd: node24, args: ["scripts/check_docs.ts"], timeout: 120 },
  { group: "lint", cmd: tsc, args: ["--noEmit", "-p", "tsconfig.json"], timeout: 300 },
  {
    group: "lint",
    cmd: deno,
    // examples/bun.ts uses the Bun global, which Deno's types lack; the other examples are checked as written.
    args: [
      "check",
      ...present([
        "mod.ts",
        "src/",
        "tests/",
        "scripts/",
        "bench/",
        "examples/deno.ts",
        "examples/node.ts",
        "examples/hono.ts",
        "examples/node_http2.ts",
        "examples/websocket.ts",
        "examples/sse.ts",
        "examples/app.ts",
      ]),
    ],
    timeout: 300,
  },
  // What JSR would get: slow types in the public API, the publish file list (works offline).
  { group: "lint", cmd: deno, args: ["publish", "--dry-run", "--allow-dirty"], timeout: 300 },
  // The JSDoc @example blocks, run as tests (mark one `ignore` when it needs real signals).
  {
    group: "doc",
    cmd: deno,
    args: ["test", "-A", "--doc", ...present(["mod.ts", "src/"])],
    timeout: 300,
    column: "doc",
    parse: parseDeno,
  },
  {
    group: "unit",
    cmd: deno,
    args: ["test", "-A", ...unit],
    timeout: 300,
    column: "deno",
    parse: parseDeno,
    skip: noUnit,
  },
  // bun test takes bare arguments as name filters, hence "./"; its default 5 s per-test timeout is raised to
  // match Node and Deno, which have none (a test still sets its own with { timeout }).
  {
    group: "unit",
    cmd: bun,
    args: ["test", "--timeout", "60000", ...unit.map((f) => `./${f}`)],
    timeout: 300,
    column: "bun",
    parse: parseBun,
    skip: noUnit,
  },
  // Node 24 and 26 strip the types themselves. The spec reporter on every Node version: the default one
  // depends on whether the output is a terminal.
  ...([[node24, "node24"], [node26, "node26"]] as const).map(([cmd, column]): Step => ({
    group: "unit",
    cmd,
    args: ["--test", "--test-timeout=60000", "--test-reporter=spec", ...unit],
    timeout: 300,
    column,
    parse: parseNode,
    skip: noUnit,
  })),
  {
    group: "unit",
    cmd: tsc,
    args: ["-p", "tsconfig.build.json"],
    timeout: 300,
    before: () => rmSync("dist", { recursive: true, force: true }),
  },
  { group: "unit", cmd: node24, args: ["scripts/check_exports.ts", "--dist"], timeout: 60 },
  // Node 22, the oldest supported, runs JavaScript as npm users get it: the unit tests compiled to .tmp/node22/
  // with src/ beside them (and, in the suites below, the built package).
  {
    group: "unit",
    cmd: tsc,
    args: ["-p", "tsconfig.node22.json"],
    timeout: 300,
    skip: noUnit,
    before: () => rmSync(".tmp/node22", { recursive: true, force: true }),
  },
  {
    group: "unit",
    cmd: node22,
    args: [
      "--test",
      "--test-timeout=60000",
      "--test-reporter=spec",
      ...unit.map((f) => `.tmp/node22/${f.replace(/\.ts$/, ".js")}`),
    ],
    timeout: 300,
    column: "node22",
    parse: parseNode,
    skip: noUnit,
  },
  // The e2e tests spawn the runtimes themselves (Node 22 runs dist/, built above), one file at a time.
  suite("e2e", "e2e", e2e, 1200, "tests/e2e"),
  // The npm package as published: its metadata and files (publint packs dist/ as built above), its types
  // for ESM consumers (attw; ESM only: CommonJS users load it with require(esm), Node >= 22.12, which the
  // consumer tests check), then tests/consumers/: the tarball installed into fresh projects on each runtime.
  { group: "package", cmd: bin("publint"), args: ["--strict"], timeout: 120 },
  { group: "package", cmd: bin("attw"), args: ["--pack", ".", "--profile", "esm-only"], timeout: 300 },
  suite("package", "pkg", consumers, 900, "tests/consumers"),
  // Deployments with real components (HAProxy, supervisord; installed with apt-get when missing): the short
  // counts here, the full ones in `npm run test:deploy` (GD_DEPLOY=full).
  suite("deploy", "deploy", deploy, 900, "tests/deploy"),
  // The benchmarks' smoke run: it fails only when a request is lost in the shutdown under load (never on a
  // ratio, which is noise on a shared CI machine); the figures come from the full `npm run bench`.
  { group: "bench", cmd: node24, args: ["bench/run.ts", "--quick"], timeout: 300 },
];

// The e2e and deploy suites and publint need dist/: `--only e2e`, `--only deploy` and `--only package` still
// build.
const selected = steps.filter((s) =>
  !only || only.has(s.group) ||
  ((only.has("e2e") || only.has("package") || only.has("deploy")) && s.group === "unit" &&
    s.args.includes("tsconfig.build.json"))
);

let current: ChildProcess | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (current?.pid) killGroup(current.pid, "SIGKILL");
    process.exit(130);
  });
}

const results: Result[] = [];
for (const [i, step] of selected.entries()) {
  const title = `[${i + 1}/${selected.length}] ${display(step)}`;
  if (step.skip) {
    console.log(`\n━━ ${title}\n── skipped: ${step.skip}`);
    continue;
  }
  console.log(`\n━━ ${title}`);
  const started = performance.now();
  step.before?.();
  const run = await runStep(step);
  const seconds = (performance.now() - started) / 1000;
  const counts = step.parse?.(stripVTControlCharacters(run.output));
  let note = run.timedOut ? `timed out after ${step.timeout} s` : run.code === 0 ? "" : `exit ${run.code}`;
  if (run.leftovers) note += `${note ? "; " : ""}left processes behind (killed)`;
  if (step.parse && !counts && !note) note = "no test summary found";
  if (counts && counts.passed + counts.failed === 0) note += `${note ? "; " : ""}ran no test`;
  const ok = run.code === 0 && !run.timedOut && !run.leftovers && note === "";
  results.push({ step, ok, seconds, counts, note });
  console.log(`── ${ok ? "ok" : `FAILED (${note})`} in ${seconds.toFixed(1)} s`);
}

summarize(results);
process.exit(results.every((r) => r.ok) ? 0 : 1);

function display(step: Step): string {
  const label = labels.get(step.cmd) ?? step.cmd;
  // Long file lists are shortened: the runner prints each file anyway.
  const args = step.args.length > 8
    ? [...step.args.slice(0, 6), `… (${step.args.length - 6} more)`]
    : step.args;
  return [label, ...args].join(" ");
}

function runStep(
  step: Step,
): Promise<{ code: number | null; output: string; timedOut: boolean; leftovers: boolean }> {
  return new Promise((resolve) => {
    // Its own process group, so that a timeout kills whatever the step started too.
    const child = spawn(step.cmd, step.args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    current = child;
    let output = "";
    let timedOut = false;
    let leftovers = false;
    const tee = (to: NodeJS.WriteStream) => (chunk: Buffer) => {
      to.write(chunk);
      output += chunk.toString();
    };
    child.stdout?.on("data", tee(process.stdout));
    child.stderr?.on("data", tee(process.stderr));
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) killGroup(child.pid, "SIGKILL");
    }, step.timeout * 1000);
    // A server a test forgot to stop would hold the pipes open, and the step would never end.
    child.on("exit", () => {
      if (child.pid && !timedOut && killGroup(child.pid, 0)) {
        leftovers = true;
        killGroup(child.pid, "SIGKILL");
      }
    });
    let settled = false;
    const settle = (code: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      current = undefined;
      resolve({ code, output, timedOut, leftovers });
    };
    child.on("error", (error) => {
      output += String(error);
      console.error(String(error));
      settle(127);
    });
    child.on("close", (code) => settle(code));
  });
}

function killGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The last match of a multi-line pattern: a runner prints its summary at the end. */
function last(output: string, pattern: RegExp): RegExpMatchArray | undefined {
  return [...output.matchAll(new RegExp(pattern.source, "gm"))].at(-1);
}

// deno test: `ok | 24 passed (7 steps) | 1 failed | 3 ignored (1 step) (34ms)`. Steps (describe/it, t.test)
// count like tests, as Node and Bun count them.
function parseDeno(output: string): Counts | undefined {
  const m = last(
    output,
    /^(?:ok|FAILED) \| (\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?(?: \| (\d+) ignored(?: \((\d+) steps?\))?)?/,
  );
  if (!m) return undefined;
  const n = (i: number) => Number(m[i] ?? 0);
  return { passed: n(1) + n(2), failed: n(3) + n(4), skipped: n(5) + n(6) };
}

// bun test: ` 30 pass`, ` 4 skip`, ` 1 todo`, ` 0 fail`, and ` 1 error` for errors between tests.
function parseBun(output: string): Counts | undefined {
  const n = (word: string) => Number(last(output, new RegExp(`^\\s*(\\d+) ${word}$`))?.[1] ?? 0);
  if (!last(output, /^Ran \d+ tests? across/) && !last(output, /^\s*\d+ (?:pass|fail)$/)) return undefined;
  return { passed: n("pass"), failed: n("fail") + n("errors?"), skipped: n("skip") + n("todo") };
}

// node --test, spec reporter: `ℹ pass 28`, `ℹ fail 0`, `ℹ cancelled 0`, `ℹ skipped 4`, `ℹ todo 1` (`#` in TAP).
function parseNode(output: string): Counts | undefined {
  const get = (word: string) => last(output, new RegExp(`^(?:ℹ|#) ${word} (\\d+)$`))?.[1];
  if (get("pass") === undefined) return undefined;
  const n = (word: string) => Number(get(word) ?? 0);
  return { passed: n("pass"), failed: n("fail") + n("cancelled"), skipped: n("skipped") + n("todo") };
}

function summarize(results: Result[]): void {
  console.log("\n━━ summary");
  const width = Math.min(70, Math.max(...results.map((r) => display(r.step).length)));
  for (const r of results) {
    const name = display(r.step);
    const shown = name.length > width ? `${name.slice(0, width - 1)}…` : name.padEnd(width);
    console.log(
      `${r.ok ? "ok    " : "FAILED"}  ${shown}  ${r.seconds.toFixed(1).padStart(6)} s${
        r.ok ? "" : `  ${r.note}`
      }`,
    );
  }
  const columns: Column[] = ["deno", "bun", "node22", "node24", "node26", "doc", "e2e", "pkg", "deploy"];
  const cell = (column: Column, pick: (r: Result) => number | undefined, digits = 0): string => {
    const values = results.filter((r) => r.step.column === column).map(pick);
    if (values.length === 0 || values.some((v) => v === undefined)) return values.length ? "?" : "-";
    return (values as number[]).reduce((a, b) => a + b, 0).toFixed(digits);
  };
  const row = (label: string, pick: (r: Result) => number | undefined, digits = 0) =>
    console.log(label.padEnd(10) + columns.map((c) => cell(c, pick, digits).padStart(8)).join(""));
  console.log(`\n${"".padEnd(10)}${columns.map((c) => c.padStart(8)).join("")}`);
  row("passed", (r) => r.counts?.passed);
  row("failed", (r) => r.counts?.failed);
  row("skipped", (r) => r.counts?.skipped);
  row("seconds", (r) => r.seconds, 1);
  // A failed step without a test count (lint, a type error, a crash, a timeout) counts as one failure.
  let passed = 0;
  let failed = 0;
  for (const r of results) {
    passed += r.counts?.passed ?? 0;
    const failures = r.counts?.failed ?? 0;
    failed += r.ok ? failures : Math.max(1, failures);
  }
  const seconds = results.reduce((a, r) => a + r.seconds, 0);
  console.log(
    `\n${results.filter((r) => !r.ok).length} of ${results.length} steps failed, ${seconds.toFixed(0)} s`,
  );
  console.log(`${passed} passed, ${failed} failed`);
}
